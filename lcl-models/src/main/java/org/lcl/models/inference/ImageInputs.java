package org.lcl.models.inference;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;

/**
 * Turns the inputs {@link ImageEncoder} accepts into 8-bit RGB: {@link BufferedImage}s,
 * encoded files ({@link Path} or {@link File}), encoded bytes ({@code byte[]}) and
 * {@link RgbImage}s.
 */
final class ImageInputs {

    private ImageInputs() {}

    /** Input i as RGB; files and bytes are decoded with decoder (PIL's {@code convert("RGB")}). */
    static RgbImage toRgb(Object input, int index, ImageDecoder decoder) {
        return switch (input) {
            case RgbImage r -> r;
            case BufferedImage b -> fromBufferedImage(b);
            case Path p -> decodeFile(p, index, decoder);
            case File f -> decodeFile(f.toPath(), index, decoder);
            case byte[] bytes -> decode(bytes, "images[" + index + "] (" + bytes.length + " bytes)", decoder);
            case null -> throw new IllegalArgumentException("images[" + index + "] is null");
            default -> throw new IllegalArgumentException("images[" + index + "] is a " + input.getClass().getName()
                    + "; expected a BufferedImage, a Path or File of an image, encoded bytes (byte[]) or an RgbImage");
        };
    }

    private static RgbImage decodeFile(Path p, int index, ImageDecoder decoder) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("images[" + index + "]: cannot read " + p + ": " + e.getMessage(), e);
        }
        return decode(bytes, "images[" + index + "] (" + p + ")", decoder);
    }

    private static RgbImage decode(byte[] bytes, String what, ImageDecoder decoder) {
        try {
            return decoder.decode(bytes);
        } catch (ImageDecodeException e) {
            throw new IllegalArgumentException(what + ": cannot decode the image: " + e.getMessage(), e);
        }
    }

    /**
     * The RGB pixels of a decoded image: gray images (with or without alpha) give their gray
     * sample in all three channels, scaled to 8 bits; every other image its sRGB colour from
     * {@link BufferedImage#getRGB} (palette expanded, colour space converted). Alpha is dropped
     * without compositing, as PIL's {@code convert("RGB")} does.
     */
    static RgbImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[Math.multiplyExact(3, Math.multiplyExact(w, h))];
        ColorModel cm = img.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            // Java's getRGB would convert linear gray to sRGB (brightening it); PIL replicates the sample.
            Raster r = img.getRaster();
            int bits = cm.getComponentSize(0);
            int max = bits >= 31 ? Integer.MAX_VALUE : (1 << bits) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = 3 * y * w; x < w; x++, o += 3) {
                    int s = row[x];
                    int v = bits == 8 ? s : bits > 8 ? s >>> (bits - 8) : (int) Math.round(s * 255.0 / max);
                    byte b = (byte) Math.min(255, Math.max(0, v));
                    out[o] = b;
                    out[o + 1] = b;
                    out[o + 2] = b;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0, o = 3 * y * w; x < w; x++, o += 3) {
                    int p = row[x];
                    out[o] = (byte) (p >> 16);
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) p;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
