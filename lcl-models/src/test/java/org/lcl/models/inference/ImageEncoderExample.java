package org.lcl.models.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.lcl.models.checkpoint.EmbeddedConfig;
import org.lcl.models.checkpoint.Export;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.Cuda;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Torch;

/**
 * Encodes images with an exported vision encoder and prints their latents and cosine
 * similarities (docs/inference.md shows how to run it).
 *
 * <pre>
 * ImageEncoderExample [EXPORT [IMAGE...]]
 * </pre>
 * EXPORT is a file written by {@code lcl export} (default: the tiny demo model
 * LCL_ViT-Tiny-16_demo, randomly initialised with seed 0 and exported to a temporary folder);
 * the images default to a few of Tux Paint's stamps (Debian's tuxpaint-stamps-default).
 * Set {@code -Dlcl.device=cuda} to run on the GPU.
 */
public final class ImageEncoderExample {

    private ImageEncoderExample() {}

    public static void main(String[] args) throws IOException {
        Device device = Device.parse(System.getProperty("lcl.device", Cuda.isAvailable() ? "cuda" : "cpu"));
        Path exported = args.length > 0 ? Path.of(args[0]) : exportDemo();
        List<Path> images = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            images.add(Path.of(args[i]));
        }
        if (images.isEmpty()) {
            images = stamps(6);
            if (images.isEmpty()) {
                System.out.println("no images given and no Tux Paint stamps in /usr/share/tuxpaint/stamps "
                        + "(apt-get install tuxpaint-stamps-default): nothing to encode");
                return;
            }
        }

        try (ImageEncoder encoder = ImageEncoder.load(exported, device, ImageEncoder.Options.DEFAULT.withBatchSize(4))) {
            System.out.printf("model %s (%s), %dx%d input, latents of %d, %d tokens of %d, on %s%n",
                    encoder.source().name(), encoder.isLcl() ? "LCL" : "CLIP", encoder.imageSize(), encoder.imageSize(),
                    encoder.latentDim(), encoder.tokenCount(), encoder.tokenDim(), device);
            long t0 = System.nanoTime();
            float[][] latents = encoder.encode(images);
            System.out.printf("encoded %d images in %.1f ms%n", images.size(), (System.nanoTime() - t0) / 1e6);
            for (int i = 0; i < images.size(); i++) {
                System.out.printf(Locale.ROOT, "  %-28s [%8.5f %8.5f %8.5f %8.5f ...]%n", images.get(i).getFileName(),
                        latents[i][0], latents[i][1], latents[i][2], latents[i][3]);
            }
            System.out.println("cosine similarities (latents are unit vectors):");
            for (float[] a : latents) {
                StringBuilder row = new StringBuilder("  ");
                for (float[] b : latents) {
                    double dot = 0;
                    for (int k = 0; k < a.length; k++) {
                        dot += a[k] * b[k];
                    }
                    row.append(String.format(Locale.ROOT, "%7.3f", dot));
                }
                System.out.println(row);
            }
            float[][][] tokens = encoder.patchTokens(images.subList(0, 1));
            System.out.printf("patch tokens of the first image: %d x %d%n", tokens[0].length, tokens[0][0].length);
        }
    }

    /** Exports the randomly initialised demo model's vision encoder; returns the file. */
    static Path exportDemo() throws IOException {
        Path dir = Files.createTempDirectory("lcl-example");
        Path out = dir.resolve("LCL_ViT-Tiny-16_demo_visual.safetensors");
        Torch.manualSeed(0);
        try (ImageTextModel model = Models.create("LCL_ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32)) {
            Export.Report r = Export.exportModel(model, EmbeddedConfig.resolve("LCL_ViT-Tiny-16_demo"), out,
                    Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS));
            System.out.println("exported " + Export.summary(r));
        }
        return out;
    }

    /** n of Tux Paint's PNG stamps, spread over the sorted list (empty when they are not installed). */
    static List<Path> stamps(int n) throws IOException {
        Path root = Path.of(System.getProperty("lcl.test.stamps", "/usr/share/tuxpaint/stamps"));
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.filter(p -> p.getFileName().toString().endsWith(".png") && Files.isRegularFile(p)).sorted().toList();
        }
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n && i < all.size(); i++) {
            out.add(all.get((int) ((long) i * all.size() / n)));
        }
        return out;
    }
}
