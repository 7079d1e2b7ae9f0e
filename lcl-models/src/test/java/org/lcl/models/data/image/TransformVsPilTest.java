package org.lcl.models.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenCLIP's eval and train transforms against PIL + torchvision 0.14 on real images (Tux
 * Paint stamps as shipped, and JPEG / WebP / PNG files made from them with PIL): mean absolute
 * difference after undoing the normalisation must stay within 1/255 per image; the maximum
 * is reported.
 */
class TransformVsPilTest {

    private static final int SIZE = 224;
    private static final double BOUND = 1.0 / 255;

    @BeforeAll
    static void reference() {
        String why = PilReference.unavailable();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    }

    private record Case(PilReference.TestImage image, CropBox crop) {
    }

    @Test
    void evalTransformMatchesTorchvision() throws Exception {
        compare("eval", ImageTransform.eval(SIZE), false);
    }

    @Test
    void trainTransformWithGivenCropMatchesTorchvision() throws Exception {
        compare("train", ImageTransform.train(SIZE), true);
    }

    private void compare(String op, ImageTransform transform, boolean train) throws Exception {
        List<PilReference.TestImage> images = PilReference.images();
        List<Case> cases = new ArrayList<>();
        List<PilReference.Job> jobs = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(20240601L);
        try (ImageDecoder decoder = new ImageDecoder()) {
            for (PilReference.TestImage im : images) {
                RgbImage rgb = decoder.decode(Files.readAllBytes(im.path()));
                List<CropBox> crops = new ArrayList<>();
                if (train) {
                    crops.add(transform.sampleCrop(rgb.width(), rgb.height(), rng));
                    if (cases.size() % 10 == 0) {
                        // the whole image, and a small region that gets upscaled
                        crops.add(new CropBox(0, 0, rgb.width(), rgb.height()));
                        crops.add(new CropBox(rgb.width() / 4, rgb.height() / 5, Math.max(1, rgb.width() / 3), Math.max(1, rgb.height() / 2)));
                    }
                } else {
                    crops.add(null);
                }
                for (CropBox c : crops) {
                    String id = op + cases.size();
                    cases.add(new Case(im, c));
                    jobs.add(new PilReference.Job(id, im.path(), op, SIZE, c));
                }
            }
        }
        Path out = PilReference.run(jobs, op);

        PilReference.Diff total = new PilReference.Diff(0, 0, 0);
        PilReference.Diff worst = null;
        String worstName = null;
        int exact = 0;
        try (ImagePreprocessor pre = new ImagePreprocessor(transform); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(pre.outputBytes(), 64);
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                RgbImage rgb = pre.decoder().decode(Files.readAllBytes(c.image().path()));
                if (train) {
                    pre.trainCrop(rgb, c.crop(), dst);
                } else {
                    pre.eval(rgb, dst);
                }
                float[] ours = dst.toArray(ValueLayout.JAVA_FLOAT);
                float[] ref = PilReference.readFloats(out.resolve(op + i + ".f32"));
                PilReference.Diff d = PilReference.Diff.of(ours, ref, SIZE);
                if (d.max() == 0) {
                    exact++;
                }
                assertTrue(d.mean() <= BOUND, () -> op + " " + c + ": mean abs diff " + d + " exceeds 1/255");
                if (worst == null || d.max() > worst.max()) {
                    worst = d;
                    worstName = c.image().name() + " (" + c.image().mode() + ")" + (c.crop() != null ? " crop " + c.crop() : "");
                }
                total = total.plus(d);
            }
        }
        System.out.printf("[image tests] %s transform vs PIL+torchvision on %d images: %s; %d/%d bit-identical; worst image %s: %s%n",
                op, cases.size(), total, exact, cases.size(), worstName, worst);
        assertTrue(total.mean() <= BOUND, "overall mean abs diff " + total);
    }

    @Test
    void trainCropOfExactOutputSizeIsACopy() {
        // PIL's resize to the same size copies: the crop comes out unfiltered.
        byte[] d = new byte[3 * 300 * 260];
        new SplittableRandom(1).nextBytes(d);
        RgbImage img = new RgbImage(300, 260, d);
        try (ImagePreprocessor pre = new ImagePreprocessor(ImageTransform.train(SIZE))) {
            RgbImage out = pre.trainCropRgb(img, new CropBox(10, 20, SIZE, SIZE));
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    assertEquals(img.rgb(10 + x, 20 + y), out.rgb(x, y));
                }
            }
        }
    }
}
