package org.lcl.models.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** Workers write normalised images into slots; one copy turns the batch into a tensor. */
class ImageBatchBufferTest {

    private static RgbImage random(int w, int h, long seed) {
        byte[] d = new byte[3 * w * h];
        new SplittableRandom(seed).nextBytes(d);
        return new RgbImage(w, h, d);
    }

    @Test
    void slotsAreDisjointAndSized() {
        try (ImageBatchBuffer b = new ImageBatchBuffer(4, 32)) {
            assertEquals(3L * 32 * 32 * 4, b.slotBytes());
            assertEquals(b.slotBytes(), b.slot(3).byteSize());
            assertEquals(b.slot(0).address() + b.slotBytes(), b.slot(1).address());
            assertThrows(IndexOutOfBoundsException.class, () -> b.slot(4));
            assertThrows(IndexOutOfBoundsException.class, () -> b.slot(-1));
        }
    }

    @Test
    void normalisationIsTorchvisionsArithmetic() {
        // ToTensor + Normalize in float32, for every byte value and channel
        ImageTransform t = ImageTransform.eval(16);
        byte[] px = new byte[3 * 16 * 16];
        for (int i = 0; i < 256; i++) {
            px[3 * i] = (byte) i;
            px[3 * i + 1] = (byte) i;
            px[3 * i + 2] = (byte) i;
        }
        try (ImagePreprocessor pre = new ImagePreprocessor(t); ImageBatchBuffer b = new ImageBatchBuffer(1, 16)) {
            pre.normalize(px, b.slot(0));
            float[] out = b.slot(0).toArray(ValueLayout.JAVA_FLOAT);
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 256; i++) {
                    float x = (float) i / 255f;
                    float expected = (x - ImageTransform.OPENAI_MEAN[c]) / ImageTransform.OPENAI_STD[c];
                    assertEquals(expected, out[c * 256 + i], 0f);
                }
            }
        }
    }

    @Test
    void trainPipelineIsDeterministicGivenTheSeed() {
        RgbImage img = random(350, 280, 9);
        try (ImagePreprocessor pre = new ImagePreprocessor(ImageTransform.train(64)); ImageBatchBuffer b = new ImageBatchBuffer(3, 64)) {
            pre.apply(img, new SplittableRandom(5), b.slot(0));
            pre.apply(img, new SplittableRandom(5), b.slot(1));
            // and equal to the explicit crop drawn from the same generator state
            CropBox crop = pre.transform().sampleCrop(350, 280, new SplittableRandom(5));
            pre.trainCrop(img, crop, b.slot(2));
            float[] a = b.slot(0).toArray(ValueLayout.JAVA_FLOAT);
            assertArrayEquals(a, b.slot(1).toArray(ValueLayout.JAVA_FLOAT));
            assertArrayEquals(a, b.slot(2).toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    @Test
    void toTensorCopiesTheBatchOnce() {
        String lib = System.getProperty("lcl.torch.library", "");
        Assumptions.assumeTrue(!lib.isEmpty() && Files.isRegularFile(Path.of(lib)),
                () -> "skipped: native library not built (" + lib + ")");
        try (ImagePreprocessor pre = new ImagePreprocessor(ImageTransform.eval(32));
                ImageBatchBuffer b = new ImageBatchBuffer(3, 32);
                Scope scope = Scope.open()) {
            for (int i = 0; i < 3; i++) {
                pre.eval(random(40 + 10 * i, 50, i), b.slot(i));
            }
            Tensor all = b.toTensor(Device.CPU);
            assertArrayEquals(new long[] {3, 3, 32, 32}, all.shape());
            assertArrayEquals(b.segment().toArray(ValueLayout.JAVA_FLOAT), all.toFloatArray());
            Tensor two = b.toTensor(Device.CPU, 2);
            assertArrayEquals(new long[] {2, 3, 32, 32}, two.shape());
            float[] expected = b.segment().asSlice(0, 2 * b.slotBytes()).toArray(ValueLayout.JAVA_FLOAT);
            // the tensor owns its copy: overwriting the buffer leaves it unchanged
            b.segment().fill((byte) 0);
            assertArrayEquals(expected, two.toFloatArray());
            MemorySegment s = b.slot(0);
            assertEquals(0f, s.get(ValueLayout.JAVA_FLOAT, 0));
            assertThrows(IllegalArgumentException.class, () -> b.toTensor(Device.CPU, 4));
        }
    }
}
