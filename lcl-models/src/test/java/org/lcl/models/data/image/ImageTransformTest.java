package org.lcl.models.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RandomResizedCrop's parameter sampling and the eval geometry, as torchvision 0.14 computes them. */
class ImageTransformTest {

    @Test
    void sampledCropsObeyScaleAndRatioBounds() {
        ImageTransform t = ImageTransform.train(224);
        SplittableRandom sizes = new SplittableRandom(7);
        SplittableRandom rng = new SplittableRandom(11);
        int fallbacks = 0;
        int nearSquare = 0;
        int nearSquareFallbacks = 0;
        double minFrac = 1;
        double maxFrac = 0;
        for (int i = 0; i < 20000; i++) {
            int w = 1 + sizes.nextInt(1200);
            int h = i % 2 == 0 ? 1 + sizes.nextInt(1200) : Math.max(1, (int) (w * (0.8 + 0.45 * sizes.nextDouble())));
            boolean square = w >= 50 && h >= 50 && w <= 1.25 * h && h <= 1.25 * w;
            nearSquare += square ? 1 : 0;
            CropBox c = t.sampleCrop(w, h, rng);
            assertTrue(c.fitsIn(w, h), c + " outside " + w + "x" + h);
            double area = (double) w * h;
            double frac = (double) c.width() * c.height() / area;
            double ratio = (double) c.width() / c.height();
            boolean drawn = frac >= 0.9 * (1 - slack(c)) && frac <= 1.0 && ratio >= 0.75 * (1 - slack(c)) && ratio <= 4.0 / 3 * (1 + slack(c));
            if (!drawn) {
                // only torchvision's fallback may break the bounds: the central crop of the whole
                // image clamped to the ratio range
                fallbacks++;
                nearSquareFallbacks += square ? 1 : 0;
                assertEquals((w - c.width()) / 2, c.left(), "fallback is centred");
                assertEquals((h - c.height()) / 2, c.top(), "fallback is centred");
                assertTrue(c.width() == w || c.height() == h, "fallback keeps one side: " + c + " of " + w + "x" + h);
            } else {
                minFrac = Math.min(minFrac, frac);
                maxFrac = Math.max(maxFrac, frac);
            }
        }
        assertTrue(minFrac < 0.91 && maxFrac > 0.99, "area fractions span the range: " + minFrac + ".." + maxFrac);
        // images of ratio within 4/5..5/4 almost always get a drawn crop within 10 tries
        assertTrue(nearSquareFallbacks < nearSquare / 50, "fallbacks for near-square images: " + nearSquareFallbacks + " of " + nearSquare);
        assertTrue(fallbacks > 0, "extreme ratios fall back");
    }

    /** Relative slack from rounding w and h to integers (torchvision rounds after drawing). */
    private static double slack(CropBox c) {
        return 1.0 / Math.min(c.width(), c.height()) + 1e-9;
    }

    @Test
    void squareImageCropsAreNearlyWholeAndSpreadOut() {
        ImageTransform t = ImageTransform.train(224);
        SplittableRandom rng = new SplittableRandom(3);
        List<CropBox> crops = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            crops.add(t.sampleCrop(500, 400, rng));
        }
        for (CropBox c : crops) {
            double frac = c.width() * c.height() / 200000.0;
            assertTrue(frac >= 0.9 - 0.005 && frac <= 1.0, c.toString());
            double r = (double) c.width() / c.height();
            assertTrue(r >= 0.75 - 0.01 && r <= 4.0 / 3 + 0.01, c.toString());
        }
        assertTrue(crops.stream().anyMatch(c -> c.left() > 0), "offsets vary");
        assertTrue(crops.stream().mapToInt(CropBox::width).distinct().count() > 20, "sizes vary");
    }

    @Test
    void extremeAspectRatiosFallBackToTheClampedCentralCrop() {
        ImageTransform t = ImageTransform.train(224);
        SplittableRandom rng = new SplittableRandom(5);
        // 1000 x 10: no draw of ratio <= 4/3 fits, so w = round(10 * 4/3) = 13, centred
        assertEquals(new CropBox(493, 0, 13, 10), t.sampleCrop(1000, 10, rng));
        // 10 x 1000: h = round(10 / (3/4)) = 13
        assertEquals(new CropBox(0, 493, 10, 13), t.sampleCrop(10, 1000, rng));
        // 1 x 1: the whole image
        assertEquals(new CropBox(0, 0, 1, 1), t.sampleCrop(1, 1, rng));
    }

    @Test
    void samplingIsDeterministicGivenTheSeed() {
        ImageTransform t = ImageTransform.train(224);
        List<CropBox> a = new ArrayList<>();
        List<CropBox> b = new ArrayList<>();
        List<CropBox> c = new ArrayList<>();
        SplittableRandom ra = new SplittableRandom(42);
        SplittableRandom rb = new SplittableRandom(42);
        SplittableRandom rc = new SplittableRandom(43);
        for (int i = 0; i < 100; i++) {
            a.add(t.sampleCrop(640, 480, ra));
            b.add(t.sampleCrop(640, 480, rb));
            c.add(t.sampleCrop(640, 480, rc));
        }
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void shortestSideResizeAsTorchvision() {
        // int(size * long / short)
        assertArrayEquals(new int[] {224, 298}, ImageTransform.resizeShortestSide(300, 400, 224));
        assertArrayEquals(new int[] {298, 224}, ImageTransform.resizeShortestSide(400, 300, 224));
        assertArrayEquals(new int[] {224, 224}, ImageTransform.resizeShortestSide(50, 50, 224));
        assertArrayEquals(new int[] {224, 2240}, ImageTransform.resizeShortestSide(10, 100, 224));
        // 224 * 333 / 250 = 298.368 -> 298
        assertArrayEquals(new int[] {298, 224}, ImageTransform.resizeShortestSide(333, 250, 224));
    }

    @Test
    void centerCropRoundsHalfToEvenAsPython() {
        // (225 - 224) / 2 = 0.5 -> round() = 0; (227 - 224) / 2 = 1.5 -> 2; (229 - 224) / 2 = 2.5 -> 2
        assertEquals(new CropBox(0, 0, 224, 224), ImageTransform.centerCrop(225, 224, 224, 224));
        assertEquals(new CropBox(2, 0, 224, 224), ImageTransform.centerCrop(227, 224, 224, 224));
        assertEquals(new CropBox(2, 0, 224, 224), ImageTransform.centerCrop(229, 224, 224, 224));
        assertEquals(new CropBox(0, 37, 224, 224), ImageTransform.centerCrop(224, 298, 224, 224));
        assertThrows(IllegalArgumentException.class, () -> ImageTransform.centerCrop(100, 300, 224, 224));
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> ImageTransform.train(0));
        assertThrows(IllegalArgumentException.class, () -> ImageTransform.train(224, 0.9, 1.1, 0.75, 1.33));
        assertThrows(IllegalArgumentException.class, () -> ImageTransform.train(224, 1.0, 0.9, 0.75, 1.33));
        assertThrows(IllegalArgumentException.class, () -> ImageTransform.train(224, 0.9, 1.0, 2, 1));
    }
}
