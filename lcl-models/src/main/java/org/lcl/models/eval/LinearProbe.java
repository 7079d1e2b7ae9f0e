package org.lcl.models.eval;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lcl.dsl.optim.AdamW;
import org.lcl.models.eval.data.LabeledImages;
import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.Device;
import org.lcl.torch.Functional;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * CLIP_benchmark's linear probe: a {@code Linear(D, classes)} (torch's default init) on frozen,
 * L2-normalised image features, trained with cross-entropy and AdamW (PyTorch's betas and eps,
 * weight decay 0 by default) at lr 0.1 on a cosine schedule over all steps without warmup, for 10
 * epochs of shuffled batches of 64 (the last batch may be smaller), then scored on the test
 * features: acc1, acc5, mean per-class recall.
 *
 * <pre>{@code
 * LinearProbe.Result r = LinearProbe.run(model, trainSplit, testSplit, LinearProbe.Options.DEFAULT, System.out::println);
 * double acc1 = r.metrics().acc1();
 * }</pre>
 */
public final class LinearProbe {

    /**
     * @param epochs passes over the training features
     * @param lr the peak learning rate
     * @param batchSize training batch size
     * @param weightDecay AdamW weight decay
     * @param seed the initialisation and shuffling seed
     * @param device where the probe trains (the features stay on the host otherwise)
     * @param encodeBatchSize images per forward pass when {@link #run} extracts features
     */
    public record Options(int epochs, double lr, int batchSize, double weightDecay, long seed, Device device, int encodeBatchSize) {

        /** CLIP_benchmark's defaults: 10 epochs, lr 0.1, batch 64, no weight decay; seed 0, on CPU, encoding 64 images at a time. */
        public static final Options DEFAULT = new Options(10, 0.1, 64, 0.0, 0, Device.CPU, 64);

        public Options {
            if (epochs < 1 || batchSize < 1 || encodeBatchSize < 1) {
                throw new IllegalArgumentException("epochs, batch size and encode batch size must be at least 1: " + epochs + ", " + batchSize
                        + ", " + encodeBatchSize);
            }
            if (!(lr > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("lr must be > 0 and weight decay >= 0: " + lr + ", " + weightDecay);
            }
            Objects.requireNonNull(device, "device");
        }

        public Options withEpochs(int e) {
            return new Options(e, lr, batchSize, weightDecay, seed, device, encodeBatchSize);
        }

        public Options withLr(double l) {
            return new Options(epochs, l, batchSize, weightDecay, seed, device, encodeBatchSize);
        }

        public Options withBatchSize(int b) {
            return new Options(epochs, lr, b, weightDecay, seed, device, encodeBatchSize);
        }

        public Options withSeed(long s) {
            return new Options(epochs, lr, batchSize, weightDecay, s, device, encodeBatchSize);
        }

        public Options withDevice(Device d) {
            return new Options(epochs, lr, batchSize, weightDecay, seed, d, encodeBatchSize);
        }

        public Options withEncodeBatchSize(int b) {
            return new Options(epochs, lr, batchSize, weightDecay, seed, device, b);
        }
    }

    /**
     * @param metrics the test metrics
     * @param trainSamples training features used
     * @param trainSkipped, testSkipped images that could not be read
     * @param finalLoss the mean training loss of the last epoch
     */
    public record Result(ClassificationMetrics metrics, int trainSamples, int trainSkipped, int testSkipped, double finalLoss) {
    }

    private LinearProbe() {
    }

    /** Extracts features of both splits with the frozen model ({@link FeatureExtractor}) and fits the probe. */
    public static Result run(ImageTextModel model, LabeledImages train, LabeledImages test, Options options, Consumer<String> log) {
        if (!train.classes().equals(test.classes())) {
            throw new IllegalArgumentException("train split " + train.name() + " and test split " + test.name() + " have different classes");
        }
        LabeledFeatures tr = FeatureExtractor.extract(model, train, options.encodeBatchSize(), log);
        LabeledFeatures te = FeatureExtractor.extract(model, test, options.encodeBatchSize(), log);
        return fit(tr, te, options);
    }

    /** Trains the probe on train's features and scores it on test's. */
    public static Result fit(LabeledFeatures train, LabeledFeatures test, Options o) {
        if (train.dim() != test.dim() || train.numClasses() != test.numClasses()) {
            throw new IllegalArgumentException("train features are " + train.dim() + "-d with " + train.numClasses() + " classes, test features "
                    + test.dim() + "-d with " + test.numClasses());
        }
        if (train.count() == 0 || test.count() == 0) {
            throw new IllegalArgumentException("the probe needs training and test samples: " + train.count() + " and " + test.count());
        }
        int n = train.count();
        int d = train.dim();
        int classes = train.numClasses();
        int stepsPerEpoch = (n + o.batchSize() - 1) / o.batchSize();
        CosineLr schedule = new CosineLr(o.lr(), 0, o.epochs() * stepsPerEpoch);
        SplittableRandom rng = new SplittableRandom(o.seed());
        try (Scope outer = Scope.open()) {
            Tensor x = train.featureTensor().to(o.device());
            Tensor y = train.labelTensor().to(o.device());
            // torch.nn.Linear's init: kaiming_uniform(a=sqrt(5)) and the bias both U(-1/sqrt(D), 1/sqrt(D))
            double bound = 1 / Math.sqrt(d);
            Tensor weight = Torch.tensor(uniform(rng, classes * d, bound), classes, d).to(o.device()).requiresGrad_();
            Tensor bias = Torch.tensor(uniform(rng, classes, bound), classes).to(o.device()).requiresGrad_();
            double epochLoss = Double.NaN;
            try (AdamW opt = AdamW.of(List.of(weight, bias), o.lr(), o.weightDecay())) {
                for (int epoch = 0; epoch < o.epochs(); epoch++) {
                    long[] perm = permutation(n, rng);
                    double lossSum = 0;
                    for (int b = 0; b < stepsPerEpoch; b++) {
                        opt.setLr(schedule.lr(epoch * stepsPerEpoch + b));
                        int start = b * o.batchSize();
                        int count = Math.min(o.batchSize(), n - start);
                        try (Scope s = Scope.open()) {
                            Tensor idx = Torch.tensor(java.util.Arrays.copyOfRange(perm, start, start + count), count).to(o.device());
                            Tensor logits = Functional.linear(x.indexSelect(0, idx), weight, bias);
                            Tensor loss = Functional.crossEntropy(logits, y.indexSelect(0, idx));
                            opt.zeroGrad();
                            loss.backward();
                            opt.step();
                            lossSum += loss.item() * count;
                        }
                    }
                    epochLoss = lossSum / n;
                }
            }
            float[] scores;
            try (GradMode g = GradMode.noGrad()) {
                Tensor logits = Functional.linear(test.featureTensor().to(o.device()), weight, bias);
                scores = logits.to(Device.CPU).contiguous().toFloatArray();
            }
            ClassificationMetrics m = ClassificationMetrics.of(scores, test.count(), classes, test.labels());
            return new Result(m, n, train.skipped(), test.skipped(), epochLoss);
        }
    }

    private static float[] uniform(SplittableRandom rng, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextDouble(-bound, bound);
        }
        return a;
    }

    private static long[] permutation(int n, SplittableRandom rng) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            long t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
