package org.lcl.dsl.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.lcl.dsl.Dsl;
import org.lcl.dsl.Module;
import org.lcl.dsl.Spec;
import org.lcl.dsl.layers.MlpSpec;
import org.lcl.dsl.layers.TokenPoolSpec;
import org.lcl.dsl.optim.AdamW;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * A vision encoder the library does not ship, declared in a few lines of user code: a ViT
 * without class token, with fixed 2-D sin-cos positions, QuickGELU blocks, three layers and
 * average pooling, plus a linear head. It is compiled, trained for a few AdamW steps to tell
 * horizontal from vertical stripes, and saved as safetensors.
 *
 * <p>Run: {@code scripts/lcl} is not needed; any classpath with lcl-dsl works:
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... org.lcl.dsl.examples.CustomEncoderExample out.safetensors}
 */
public final class CustomEncoderExample {

    static final int IMAGE = 32;
    static final int PATCH = 8;
    static final int WIDTH = 64;

    /** The declaration: nothing is allocated until compile. */
    static Spec encoder() {
        int grid = IMAGE / PATCH;
        return Dsl.sequence("",
                Dsl.sequence("visual",
                        Dsl.patchEmbed("conv1", 1, WIDTH, PATCH, IMAGE),
                        Dsl.sinCos2dPositions("positional_embedding", grid, WIDTH, false),
                        Dsl.layerNorm("ln_pre", WIDTH),
                        Dsl.repeat("transformer.resblocks", 3, i -> Dsl.preLnBlock(WIDTH, 4, 2.0, MlpSpec.Activation.QUICK_GELU, false)),
                        Dsl.layerNorm("ln_post", WIDTH),
                        new TokenPoolSpec("", TokenPoolSpec.Kind.AVERAGE, false)),
                Dsl.linear("head", WIDTH, 2));
    }

    /** A batch of stripe images [n, 1, 32, 32] and labels (0 horizontal, 1 vertical). */
    static Tensor[] batch(int n, long seed) {
        Torch.manualSeed(seed);
        try (Scope s = Scope.open()) {
            Tensor labels = Torch.randint(0, 2, TensorOptions.of(DType.INT64), n);
            Tensor half = Torch.arange(0, IMAGE, 1, TensorOptions.DEFAULT).div(2.0).floor();
            Tensor coords = half.sub(half.div(2.0).floor().mul(2.0)); // 0 0 1 1 0 0 1 1 ...
            Tensor rows = coords.view(1, 1, IMAGE, 1).expand(n, 1, IMAGE, IMAGE);
            Tensor cols = coords.view(1, 1, 1, IMAGE).expand(n, 1, IMAGE, IMAGE);
            Tensor vertical = labels.eq(1).view(n, 1, 1, 1);
            Tensor images = Torch.where(vertical, cols, rows).add(Torch.randn(n, 1, IMAGE, IMAGE).mul(0.3));
            return new Tensor[] {images.moveOut(), labels.moveOut()};
        }
    }

    /** Trains for steps and returns the loss of each step. */
    static List<Double> train(Module model, int steps) {
        AdamW opt = AdamW.of(model.parameters().stream().filter(Tensor::requiresGrad).toList(), 3e-3, 0.0);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            try (Scope s = Scope.open()) {
                Tensor[] b = batch(32, step);
                Tensor loss = Functional.crossEntropy(model.forward(b[0]), b[1]);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                losses.add(loss.item());
            }
        }
        opt.close();
        return losses;
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "custom_encoder.safetensors");
        Torch.manualSeed(0);
        try (Module model = encoder().compile(Device.CPU, DType.FLOAT32)) {
            System.out.println("parameters: " + model.parameterCount());
            List<Double> losses = train(model, 30);
            System.out.printf("loss: first %.4f, last %.4f%n", losses.get(0), losses.get(losses.size() - 1));
            Torch.saveSafetensors(model.stateDict(), Map.of("architecture", "sincos-avgpool-vit"), out);
            System.out.println("saved " + out + " (" + Files.size(out) + " bytes)");
        }
    }
}
