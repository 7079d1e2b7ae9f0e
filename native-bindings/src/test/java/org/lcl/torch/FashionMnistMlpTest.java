package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * End-to-end check of the tensor layer: an MLP (784-256-10, ReLU) trained with Adam written on
 * the in-place ops, on Fashion-MNIST from Debian's dataset-fashion-mnist (installed by
 * scripts/test), must reach at least 85% test accuracy.
 */
class FashionMnistMlpTest {

    private static final Path DATA = Path.of(System.getenv().getOrDefault("LCL_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"));

    @Test
    void mlpReaches85PercentTestAccuracy() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz")),
                () -> "skipped: Fashion-MNIST not found at " + DATA + " (apt-get install dataset-fashion-mnist, or set LCL_FASHION_MNIST)");
        Torch.manualSeed(0);
        try (Scope data = Scope.open()) {
            Tensor trainX = images(DATA.resolve("train-images-idx3-ubyte.gz"));
            Tensor trainY = labels(DATA.resolve("train-labels-idx1-ubyte.gz"));
            Tensor testX = images(DATA.resolve("t10k-images-idx3-ubyte.gz"));
            Tensor testY = labels(DATA.resolve("t10k-labels-idx1-ubyte.gz"));
            assertEquals(60_000, trainX.size(0));
            assertEquals(10_000, testY.size(0));

            List<Tensor> params = List.of(
                    kaiming(256, 784), Torch.zeros(256).requiresGrad_(),
                    kaiming(10, 256), Torch.zeros(10).requiresGrad_());
            Adam adam = new Adam(params, 1e-3);
            int batch = 128;
            long n = trainX.size(0);
            double lastLoss = Double.NaN;
            for (int epoch = 0; epoch < 5; epoch++) {
                Tensor perm = Torch.randperm(n, TensorOptions.of(DType.INT64));
                for (long start = 0; start + batch <= n; start += batch) {
                    try (Scope step = Scope.open()) {
                        Tensor idx = perm.narrow(0, start, batch);
                        Tensor logits = forward(params, trainX.indexSelect(0, idx));
                        Tensor loss = Functional.crossEntropy(logits, trainY.indexSelect(0, idx));
                        adam.zeroGrad();
                        loss.backward();
                        adam.step();
                        lastLoss = loss.item();
                    }
                }
                perm.close();
            }
            double accuracy;
            try (Scope eval = Scope.open(); GradMode g = GradMode.noGrad()) {
                Tensor predicted = forward(params, testX).argmax(1, false);
                accuracy = predicted.eq(testY).to(DType.FLOAT64).mean().item();
            }
            System.out.printf("Fashion-MNIST MLP: final train loss %.4f, test accuracy %.4f%n", lastLoss, accuracy);
            assertTrue(accuracy >= 0.85, "test accuracy " + accuracy + " < 0.85");
            adam.close();
        }
    }

    private static Tensor forward(List<Tensor> p, Tensor x) {
        return Functional.linear(Functional.linear(x, p.get(0), p.get(1)).relu(), p.get(2), p.get(3));
    }

    private static Tensor kaiming(long out, long in) {
        return Torch.randn(out, in).mul(Math.sqrt(2.0 / in)).detach().requiresGrad_();
    }

    /** Adam (PyTorch's defaults: betas 0.9, 0.999, eps 1e-8) on the in-place ops under no-grad. */
    private static final class Adam implements AutoCloseable {
        private final List<Tensor> params;
        private final List<Tensor> m;
        private final List<Tensor> v;
        private final double lr;
        private int t;

        Adam(List<Tensor> params, double lr) {
            this.params = params;
            this.lr = lr;
            this.m = params.stream().map(p -> Torch.zerosLike(p).keep()).toList();
            this.v = params.stream().map(p -> Torch.zerosLike(p).keep()).toList();
        }

        void zeroGrad() {
            params.forEach(p -> p.setGrad(null));
        }

        void step() {
            t++;
            double bc1 = 1 - Math.pow(0.9, t);
            double bc2 = 1 - Math.pow(0.999, t);
            try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
                for (int i = 0; i < params.size(); i++) {
                    Tensor grad = params.get(i).grad();
                    m.get(i).mul_(0.9).add_(grad, 0.1);
                    v.get(i).mul_(0.999).addcmul_(grad, grad, 0.001);
                    Tensor denom = v.get(i).div(bc2).sqrt().add(1e-8);
                    params.get(i).addcdiv_(m.get(i), denom, -lr / bc1);
                }
            }
        }

        @Override
        public void close() {
            m.forEach(Tensor::close);
            v.forEach(Tensor::close);
        }
    }

    private static Tensor images(Path file) throws IOException {
        try (DataInputStream in = open(file, 2051)) {
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] pixels = in.readNBytes(count * rows * cols);
            if (pixels.length != count * rows * cols) {
                throw new IOException(file + ": truncated image data");
            }
            try (Scope tmp = Scope.open()) {
                return Torch.tensor(pixels, DType.UINT8, count, (long) rows * cols).to(DType.FLOAT32).div(255.0).moveOut();
            }
        }
    }

    private static Tensor labels(Path file) throws IOException {
        try (DataInputStream in = open(file, 2049)) {
            int count = in.readInt();
            byte[] labels = in.readNBytes(count);
            try (Scope tmp = Scope.open()) {
                return Torch.tensor(labels, DType.UINT8, count).to(DType.INT64).moveOut();
            }
        }
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        InputStream raw = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
        DataInputStream in = new DataInputStream(raw);
        int m = in.readInt();
        if (m != magic) {
            in.close();
            throw new IOException(file + ": bad IDX magic " + m + ", expected " + magic);
        }
        return in;
    }
}
