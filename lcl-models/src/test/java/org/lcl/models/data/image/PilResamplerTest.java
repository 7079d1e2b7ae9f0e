package org.lcl.models.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Properties of the PIL resampler that need no reference (bit-exactness is in TransformVsPilTest). */
class PilResamplerTest {

    private static RgbImage random(int w, int h, long seed) {
        byte[] d = new byte[3 * w * h];
        new SplittableRandom(seed).nextBytes(d);
        return new RgbImage(w, h, d);
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage img = random(37, 23, 1);
        RgbImage out = new PilResampler().resize(img, 37, 23);
        assertArrayEquals(Arrays.copyOf(img.data(), 3 * 37 * 23), out.data());
    }

    @Test
    void constantImagesStayConstant() {
        PilResampler r = new PilResampler();
        byte[] d = new byte[3 * 301 * 199];
        for (int i = 0; i < d.length; i += 3) {
            d[i] = (byte) 200;
            d[i + 1] = 17;
            d[i + 2] = (byte) 255;
        }
        RgbImage img = new RgbImage(301, 199, d);
        for (int[] size : new int[][] {{224, 224}, {600, 50}, {13, 400}, {1, 1}}) {
            RgbImage out = r.resize(img, size[0], size[1]);
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    assertEquals(0xC811FF, out.rgb(x, y), "at " + x + "," + y + " of " + Arrays.toString(size));
                }
            }
        }
    }

    @Test
    void windowEqualsCropOfTheFullResize() {
        PilResampler r = new PilResampler();
        RgbImage img = random(333, 250, 2);
        RgbImage full = r.resize(img, 298, 224);
        CropBox window = new CropBox(37, 0, 224, 224);
        byte[] part = new byte[3 * 224 * 224];
        r.resize(img, new CropBox(0, 0, 333, 250), 298, 224, window, part);
        for (int y = 0; y < 224; y++) {
            for (int x = 0; x < 224; x++) {
                int o = 3 * (y * 224 + x);
                assertEquals(full.rgb(37 + x, y), (part[o] & 0xFF) << 16 | (part[o + 1] & 0xFF) << 8 | (part[o + 2] & 0xFF));
            }
        }
    }

    @Test
    void regionEqualsResizeOfTheCroppedImage() {
        PilResampler r = new PilResampler();
        RgbImage img = random(400, 300, 3);
        CropBox region = new CropBox(31, 17, 350, 270);
        byte[] cropped = new byte[3 * 350 * 270];
        for (int y = 0; y < 270; y++) {
            System.arraycopy(img.data(), 3 * ((17 + y) * 400 + 31), cropped, 3 * 350 * y, 3 * 350);
        }
        RgbImage expected = r.resize(new RgbImage(350, 270, cropped), 224, 224);
        byte[] got = new byte[3 * 224 * 224];
        r.resize(img, region, 224, 224, new CropBox(0, 0, 224, 224), got);
        assertArrayEquals(expected.data(), got);
    }

    @Test
    void planarFloatOutputIsTheByteOutputThroughTheTable() {
        PilResampler r = new PilResampler();
        RgbImage img = random(317, 233, 5);
        float[] lut = new float[768];
        for (int i = 0; i < lut.length; i++) {
            lut[i] = i * 0.5f - 3;
        }
        for (int[] out : new int[][] {{224, 224}, {317, 150}, {100, 233}, {317, 233}}) {
            CropBox region = new CropBox(0, 0, 317, 233);
            CropBox window = new CropBox(0, 0, out[0], out[1]);
            byte[] bytes = new byte[3 * out[0] * out[1]];
            r.resize(img, region, out[0], out[1], window, bytes);
            float[] planar = new float[3 * out[0] * out[1]];
            r.resizeToPlanar(img, region, out[0], out[1], window, lut, planar);
            int plane = out[0] * out[1];
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(lut[256 * c + (bytes[3 * i + c] & 0xFF)], planar[c * plane + i], 0f);
                }
            }
        }
    }

    @Test
    void bicubicKernelIsPils() {
        assertEquals(1.0, PilResampler.bicubic(0), 0);
        assertEquals(0.0, PilResampler.bicubic(1), 0);
        assertEquals(0.0, PilResampler.bicubic(2), 0);
        assertEquals(0.5625, PilResampler.bicubic(0.5), 1e-15);
        assertEquals(-0.0625, PilResampler.bicubic(1.5), 1e-15);
    }

    @Test
    void rejectsBoxesOutside() {
        PilResampler r = new PilResampler();
        RgbImage img = random(10, 10, 4);
        byte[] out = new byte[3 * 5 * 5];
        assertThrows(IllegalArgumentException.class, () -> r.resize(img, new CropBox(6, 0, 5, 5), 5, 5, new CropBox(0, 0, 5, 5), out));
        assertThrows(IllegalArgumentException.class, () -> r.resize(img, new CropBox(0, 0, 5, 5), 5, 5, new CropBox(1, 0, 5, 5), out));
    }
}
