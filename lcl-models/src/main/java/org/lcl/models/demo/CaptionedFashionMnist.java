package org.lcl.models.demo;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.lcl.models.data.image.RgbImage;
import org.lcl.models.data.webdataset.Rng;
import org.lcl.models.eval.data.FashionMnist;
import org.lcl.models.eval.data.LabeledImages;
import org.lcl.models.eval.data.Subsets;

/**
 * Fashion-MNIST as captioned images for the demo's pre-training corpus: a class-balanced subset
 * of a split written as {@code NAME.png} (28×28 grayscale) beside {@code NAME.txt}, the caption
 * made from the class name with one of a few templates, the input format of
 * {@code lcl data make-shards} and of the MMC4 generator. The templates are not the zero-shot
 * evaluation's prompts (ZeroShot.DEFAULT_TEMPLATES), so zero-shot accuracy is not a matter of
 * having seen the exact prompt.
 */
public final class CaptionedFashionMnist {

    /** Caption templates; {c} is the class name as Fashion-MNIST spells it. */
    public static final List<String> CAPTIONS = List.of(
            "{c}",
            "a picture of a {c}",
            "an image showing a {c}",
            "this is a {c}",
            "a grayscale picture of one {c}",
            "a {c} on a dark background",
            "product photo: {c}");

    private CaptionedFashionMnist() {}

    /**
     * Writes perClass images of every class of the split (seeded choice) into out; returns the
     * number written.
     */
    public static int write(FashionMnist split, int perClass, long seed, Path out) throws IOException {
        try {
            return writeImages(split, perClass, seed, out);
        } catch (org.lcl.models.data.image.ImageDecodeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static int writeImages(FashionMnist split, int perClass, long seed, Path out) throws IOException, org.lcl.models.data.image.ImageDecodeException {
        LabeledImages subset = Subsets.balanced(split, perClass * split.classes().size(), seed);
        Files.createDirectories(out);
        Rng rng = new Rng(Rng.mix(0x46434150L, seed));
        int rows = split.rows();
        int cols = split.cols();
        String prefix = split.split().name().toLowerCase(Locale.ROOT);
        for (int i = 0; i < subset.size(); i++) {
            int label = subset.label(i);
            String caption = CAPTIONS.get(rng.nextInt(CAPTIONS.size())).replace("{c}", split.classes().get(label));
            String name = String.format("%s_%05d", prefix, i);
            BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, cols, rows, gray(subset.image(i, null)));
            ImageIO.write(img, "png", out.resolve(name + ".png").toFile());
            Files.writeString(out.resolve(name + ".txt"), caption + "\n");
        }
        return subset.size();
    }

    private static byte[] gray(RgbImage rgb) {
        byte[] data = rgb.data();
        byte[] g = new byte[rgb.width() * rgb.height()];
        for (int p = 0; p < g.length; p++) {
            g[p] = data[3 * p];
        }
        return g;
    }
}
