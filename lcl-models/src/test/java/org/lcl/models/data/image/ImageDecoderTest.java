package org.lcl.models.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Decoding against PIL's {@code Image.open(f).convert("RGB")}: every mode of the test set
 * (stamps as shipped: RGBA, LA, P; made with PIL: JPEG baseline / progressive / 4:4:4 / gray /
 * CMYK, WebP lossy / lossless+alpha, PNG L / P / 1-bit / 16-bit I / RGB / RGBA / LA), and the
 * error paths (corrupt, truncated, unknown, too large).
 */
class ImageDecoderTest {

    private static final Set<String> REQUIRED_KINDS = Set.of(
            "png RGBA", "png LA", "png P", "png L", "png 1", "png I;16", "png RGB16", "png RGBA16", "png LA16",
            "jpg RGB", "jpg L", "jpg CMYK", "webp RGB", "webp RGBA");

    private static String kind(PilReference.TestImage im) {
        String n = im.name();
        return n.substring(n.lastIndexOf('.') + 1) + " " + im.mode();
    }

    @Test
    void decodeMatchesPilConvertRgb() throws Exception {
        compareDecode(new ImageDecoder(), im -> true, "default");
    }

    @Test
    void imageioFallbackMatchesPil() throws Exception {
        // without libturbojpeg / libwebp: the JDK's JPEG reader and TwelveMonkeys' WebP reader
        compareDecode(new ImageDecoder(ImageDecoder.PIL_MAX_PIXELS, false),
                im -> im.name().endsWith(".jpg") || im.name().endsWith(".webp"), "imageio");
    }

    private void compareDecode(ImageDecoder decoder, Predicate<PilReference.TestImage> filter, String label) throws Exception {
        String why = PilReference.unavailable();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        List<PilReference.TestImage> images = PilReference.images().stream().filter(filter).toList();
        Set<String> kinds = new TreeSet<>();
        images.forEach(im -> kinds.add(kind(im)));
        if (label.equals("default")) {
            assertTrue(kinds.containsAll(REQUIRED_KINDS), "test set lacks some kinds: has " + kinds);
        }
        List<PilReference.Job> jobs = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            jobs.add(new PilReference.Job("d" + i, images.get(i).path(), "decode", 0, null));
        }
        Path out = PilReference.run(jobs, "decode-" + label);
        Map<String, int[]> stats = new LinkedHashMap<>(); // kind -> {images, exact, max diff, sum diff (x1000 per value)}
        Map<String, double[]> means = new LinkedHashMap<>();
        try (decoder) {
            System.out.println("[image tests] JPEG backend (" + label + "): " + decoder.jpegBackend()
                    + (ImageDecoder.nativeJpegUnavailableReason() != null ? " — " + ImageDecoder.nativeJpegUnavailableReason() : "")
                    + "; WebP backend: " + decoder.webpBackend()
                    + (ImageDecoder.nativeWebpUnavailableReason() != null ? " — " + ImageDecoder.nativeWebpUnavailableReason() : ""));
            boolean exactWebp = decoder.webpBackend().equals("libwebp");
            for (int i = 0; i < images.size(); i++) {
                PilReference.TestImage im = images.get(i);
                RgbImage ours = decoder.decode(Files.readAllBytes(im.path()));
                String[] size = Files.readString(out.resolve("d" + i + ".size")).trim().split(" ");
                assertEquals(Integer.parseInt(size[0]), ours.width(), im.name());
                assertEquals(Integer.parseInt(size[1]), ours.height(), im.name());
                byte[] ref = Files.readAllBytes(out.resolve("d" + i + ".rgb"));
                byte[] got = Arrays.copyOf(ours.data(), 3 * ours.width() * ours.height());
                int max = 0;
                long sum = 0;
                for (int j = 0; j < ref.length; j++) {
                    int d = Math.abs((ref[j] & 0xFF) - (got[j] & 0xFF));
                    max = Math.max(max, d);
                    sum += d;
                }
                String k = kind(im) + (im.name().contains("lossy") ? " (lossy)" : "");
                int[] s = stats.computeIfAbsent(k, x -> new int[3]);
                s[0]++;
                s[1] += max == 0 ? 1 : 0;
                s[2] = Math.max(s[2], max);
                double[] m = means.computeIfAbsent(k, x -> new double[2]);
                m[0] += sum;
                m[1] += ref.length;
                boolean lossyWebp = im.name().endsWith(".webp") && im.mode().equals("RGB");
                if (!lossyWebp || exactWebp) {
                    final int fmax = max;
                    assertEquals(0, max, () -> im.name() + " (" + im.mode() + "): max abs diff " + fmax + " from PIL");
                } else {
                    // TwelveMonkeys' own VP8 decoder (no libwebp): not PIL's pixels, only the same
                    // picture (documented in docs/data.md); a sanity bound against swapped channels
                    double mean = (double) sum / ref.length;
                    assertTrue(mean <= 8.0, im.name() + ": lossy WebP mean abs diff " + mean + " > 8 levels");
                }
            }
        }
        for (var e : stats.entrySet()) {
            int[] s = e.getValue();
            double[] m = means.get(e.getKey());
            System.out.printf("[image tests] decode (%s) %-18s %3d images, %3d bit-identical, max abs diff %d, mean %.4f levels%n",
                    label, e.getKey(), s[0], s[1], s[2], m[0] / m[1]);
        }
    }

    private static byte[] firstFile(String suffix) throws Exception {
        String why = PilReference.unavailable();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        for (PilReference.TestImage im : PilReference.images()) {
            if (im.name().endsWith(suffix)) {
                return Files.readAllBytes(im.path());
            }
        }
        throw new AssertionError("no test image ending in " + suffix);
    }

    private static void assertRejected(byte[] data, String what) {
        for (boolean nativeJpeg : new boolean[] {true, false}) {
            try (ImageDecoder d = new ImageDecoder(ImageDecoder.PIL_MAX_PIXELS, nativeJpeg)) {
                ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> d.decode(data),
                        what + " should not decode (" + d.jpegBackend() + ")");
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                System.out.println("[image tests] " + what + " (" + d.jpegBackend() + "): " + e.getMessage());
            }
        }
    }

    @Test
    void truncatedFilesAreRejected() throws Exception {
        for (String suffix : List.of("_q90.jpg", "_prog.jpg", "_L.png", "_rgb16.png", "_lossy.webp", "_lossless.webp")) {
            byte[] full = firstFile(suffix);
            assertRejected(Arrays.copyOf(full, full.length / 2), "truncated " + suffix);
        }
        assertRejected(Arrays.copyOf(firstFile("_q90.jpg"), 10), "JPEG header only");
    }

    @Test
    void corruptFilesAreRejected() throws Exception {
        byte[] png = firstFile("_L.png").clone();
        // scramble the compressed data after the headers
        for (int i = 60; i < png.length - 20; i += 7) {
            png[i] = (byte) (png[i] ^ 0x5A);
        }
        assertRejected(png, "corrupt PNG");
        byte[] jpg = firstFile("_q90.jpg").clone();
        // destroy the Huffman tables' region and everything after the SOS header
        for (int i = 2; i < 400 && i < jpg.length; i++) {
            jpg[i] = (byte) 0xFF;
        }
        assertRejected(jpg, "corrupt JPEG");
    }

    @Test
    void garbageAndEmptyAreRejected() {
        byte[] garbage = new byte[1000];
        new java.util.Random(3).nextBytes(garbage);
        garbage[0] = 0x12;
        assertRejected(garbage, "random bytes");
        assertRejected(new byte[0], "empty data");
        assertRejected("RIFF\0\0\0\0WEBPVP8 junkjunkjunk".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "bad WebP");
    }

    @Test
    void pixelLimitIsEnforced() throws Exception {
        byte[] jpg = firstFile("_q90.jpg");
        byte[] png = firstFile("_L.png");
        for (boolean nativeJpeg : new boolean[] {true, false}) {
            try (ImageDecoder d = new ImageDecoder(1000, nativeJpeg)) {
                ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> d.decode(jpg));
                assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
                assertThrows(ImageDecodeException.class, () -> d.decode(png));
            }
        }
    }

    @Test
    void reusesTheImageArray() throws Exception {
        byte[] a = firstFile("_q90.jpg");
        try (ImageDecoder d = new ImageDecoder()) {
            RgbImage img = new RgbImage();
            d.decode(a, 0, a.length, img);
            byte[] first = img.data();
            RgbImage copy = img.copy();
            d.decode(a, 0, a.length, img);
            assertTrue(first == img.data(), "the array is reused for an image of the same size");
            assertEquals(copy.rgb(5, 7), img.rgb(5, 7));
        }
    }

    @Test
    void sniffsFormats() {
        assertEquals(ImageDecoder.Format.JPEG, ImageDecoder.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0}, 0, 4));
        assertEquals(ImageDecoder.Format.PNG, ImageDecoder.sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, 0, 8));
        assertEquals(ImageDecoder.Format.WEBP, ImageDecoder.sniff("RIFF1234WEBP".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 12));
        assertEquals(ImageDecoder.Format.OTHER, ImageDecoder.sniff(new byte[] {1, 2, 3}, 0, 3));
    }
}
