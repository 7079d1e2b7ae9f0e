package org.lcl.models.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.checkpoint.EmbeddedConfig;
import org.lcl.models.checkpoint.Export;
import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.model.ClipModel;
import org.lcl.models.model.LclModel;
import org.lcl.models.model.Models;
import org.lcl.torch.Cuda;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * The inference API on the tiny demo models (random init, seeded) and real images (Tux Paint's
 * stamps; the tests that need them skip, saying why, where they are not installed).
 */
class ImageEncoderTest {

    private static final double TOL = 1e-5;

    @TempDir
    static Path dir;
    private static LclModel lcl;
    private static ClipModel clip;
    private static Path lclVisual;
    private static Path clipVisual;
    private static List<Path> images;

    @BeforeAll
    static void setUp() throws Exception {
        Torch.manualSeed(0);
        lcl = (LclModel) Models.create("LCL_ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32);
        clip = (ClipModel) Models.create("ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32);
        lcl.eval();
        clip.eval();
        lclVisual = dir.resolve("lcl_visual.safetensors");
        Export.exportModel(lcl, EmbeddedConfig.resolve("LCL_ViT-Tiny-16_demo"), lclVisual, Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS));
        clipVisual = dir.resolve("clip_visual.pt");
        Export.exportModel(clip, EmbeddedConfig.resolve("ViT-Tiny-16_demo"), clipVisual, Export.Options.of(Export.Part.VISUAL, Export.Format.PT));
        images = ImageEncoderExample.stamps(6);
        if (images.isEmpty()) {
            System.out.println("SKIPPED ImageEncoderTest's real-image tests: no PNG under "
                    + System.getProperty("lcl.test.stamps", "/usr/share/tuxpaint/stamps") + " "
                    + "(apt-get install tuxpaint-stamps-default; scripts/lib/env.sh installs it for tests)");
        }
    }

    @AfterAll
    static void tearDown() {
        lcl.close();
        clip.close();
    }

    private static void assumeImages() {
        assumeTrue(!images.isEmpty(), "no Tux Paint stamps installed");
    }

    @Test
    void lclLatentsShapesNormsDeterminismAndBatchInvariance() throws Exception {
        assumeImages();
        try (ImageEncoder enc4 = ImageEncoder.load(lclVisual, Device.CPU, ImageEncoder.Options.DEFAULT.withBatchSize(4));
             ImageEncoder enc1 = ImageEncoder.load(lclVisual, Device.CPU, ImageEncoder.Options.DEFAULT.withBatchSize(1))) {
            assertTrue(enc4.isLcl());
            assertEquals(64, enc4.imageSize());
            assertEquals(192, enc4.latentDim());
            assertEquals(16, enc4.tokenCount());
            assertEquals(192, enc4.tokenDim());
            assertEquals("LCL_ViT-Tiny-16_demo", enc4.source().name());

            float[][] a = enc4.encode(images);
            assertEquals(images.size(), a.length);
            for (float[] v : a) {
                assertEquals(192, v.length);
                double n = 0;
                for (float x : v) {
                    n += (double) x * x;
                }
                assertEquals(1.0, Math.sqrt(n), TOL, "unit norm");
            }
            // Deterministic: the same call gives the same bits.
            float[][] again = enc4.encode(images);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], again[i]);
            }
            // Batch-size invariant.
            float[][] one = enc1.encode(images);
            assertTrue(maxDiff(a, one) <= TOL, "batch 1 vs 4 differ by " + maxDiff(a, one));
            // Distinct images give distinct latents.
            assertTrue(maxDiff(new float[][] {a[0]}, new float[][] {a[1]}) > 1e-3);

            float[][][] tokens = enc4.patchTokens(images);
            assertEquals(images.size(), tokens.length);
            assertEquals(16, tokens[0].length);
            assertEquals(192, tokens[0][0].length);
            float[][][] tokens1 = enc1.patchTokens(images);
            for (int i = 0; i < tokens.length; i++) {
                assertTrue(maxDiff(tokens[i], tokens1[i]) <= TOL);
            }
        }
    }

    @Test
    void lclLatentsEqualTheFullModelsVisualAndPoolPath() throws Exception {
        assumeImages();
        try (ImageEncoder enc = ImageEncoder.load(lclVisual, Device.CPU, ImageEncoder.Options.DEFAULT.withBatchSize(4));
             Scope s = Scope.open(); GradMode g = GradMode.noGrad()) {
            Tensor x = enc.preprocess(images);
            assertArrayEquals(new long[] {images.size(), 3, 64, 64}, x.shape());
            assertTrue(x.equal(independentlyPreprocessed(images, 64)), "the eval transform of the data pipeline, exactly");

            Tensor want = lcl.encodeImage(x, true);
            Tensor got = enc.encodeTensor(images);
            assertArrayEquals(new long[] {images.size(), 192}, got.shape());
            assertTrue(got.sub(want).abs().max().item() <= TOL, "latents differ from LclModel.encodeImage");

            Tensor wantTokens = lcl.poolProject().forwardBoth(lcl.imageTokens(x)).projected();
            Tensor gotTokens = enc.patchTokensTensor(images);
            assertArrayEquals(new long[] {images.size(), 16, 192}, gotTokens.shape());
            assertTrue(gotTokens.sub(wantTokens).abs().max().item() <= TOL, "tokens differ from pool_project(visual(x)).projected");

            float[][] arrays = enc.encode(images);
            float[] flat = got.toFloatArray();
            for (int i = 0; i < arrays.length; i++) {
                assertArrayEquals(Arrays.copyOfRange(flat, i * 192, (i + 1) * 192), arrays[i]);
            }
        }
    }

    @Test
    void clipLatentsAndTokens() throws Exception {
        assumeImages();
        try (ImageEncoder enc = ImageEncoder.load(clipVisual, Device.CPU, ImageEncoder.Options.DEFAULT.withBatchSize(4));
             Scope s = Scope.open(); GradMode g = GradMode.noGrad()) {
            assertTrue(!enc.isLcl());
            assertEquals(128, enc.latentDim());
            Tensor x = enc.preprocess(images);
            Tensor got = enc.encodeTensor(images);
            assertTrue(got.sub(clip.encodeImage(x, true)).abs().max().item() <= TOL, "latents differ from ClipModel.encodeImage");
            Tensor tokens = enc.patchTokensTensor(images);
            assertArrayEquals(new long[] {images.size(), 16, 192}, tokens.shape());
            // pool_type tok: the class token (not in tokens) projected is the latent; tokens are ln_post'ed patch tokens,
            // so each token has (about) zero mean over its width before ln_post's affine (here weight 1, bias 0 at init).
            assertTrue(tokens.mean(2, false).abs().max().item() < 1e-4);
        }
    }

    @Test
    void fullExportsAndBufferedImagesWorkToo() throws Exception {
        assumeImages();
        Path full = dir.resolve("lcl_full.pt");
        Export.exportModel(lcl, EmbeddedConfig.resolve("LCL_ViT-Tiny-16_demo"), full, Export.Options.of(Export.Part.FULL, Export.Format.PT));
        List<BufferedImage> decoded = new ArrayList<>();
        for (Path p : images) {
            decoded.add(ImageIO.read(p.toFile()));
        }
        try (ImageEncoder a = ImageEncoder.load(lclVisual, Device.CPU); ImageEncoder b = ImageEncoder.load(full, Device.CPU)) {
            float[][] fromFiles = a.encode(images);
            assertTrue(maxDiff(fromFiles, b.encode(images)) == 0, "a full export gives the same encoder");
            assertTrue(maxDiff(fromFiles, a.encode(decoded)) <= TOL, "BufferedImages give the files' latents");
            List<Object> mixed = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                mixed.add(i % 2 == 0 ? images.get(i) : Files.readAllBytes(images.get(i)));
            }
            assertTrue(maxDiff(fromFiles, a.encode(mixed)) == 0, "paths and bytes mixed");
        }
    }

    @Test
    void grayBufferedImagesAreNotGammaConverted() throws Exception {
        BufferedImage gray = new BufferedImage(80, 70, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage rgb = new BufferedImage(80, 70, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 70; y++) {
            for (int x = 0; x < 80; x++) {
                int v = (x * 3 + y) & 0xFF;
                gray.getRaster().setSample(x, y, 0, v);
                rgb.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        try (ImageEncoder enc = ImageEncoder.load(lclVisual, Device.CPU); Scope s = Scope.open()) {
            assertTrue(enc.preprocess(List.of(gray)).equal(enc.preprocess(List.of(rgb))));
        }
    }

    @Test
    void memoryIsScopedAndInputsAreChecked() throws Exception {
        BufferedImage img = new BufferedImage(100, 60, BufferedImage.TYPE_INT_RGB);
        img.setRGB(10, 10, 0xFF0000);
        ImageEncoder enc = ImageEncoder.load(lclVisual, Device.CPU, ImageEncoder.Options.DEFAULT.withBatchSize(2));
        try (Scope s = Scope.open()) {
            enc.encode(List.of(img, img, img));
            enc.patchTokens(List.of(img));
            assertEquals(0, s.size(), "the array methods leave no tensor behind");
            Tensor t = enc.encodeTensor(List.of(img, img, img));
            assertEquals(1, s.size(), "the tensor methods leave exactly their result");
            assertArrayEquals(new long[] {3, 192}, t.shape());
            assertEquals(0, enc.encode(List.of()).length);
            Tensor empty = enc.encodeTensor(List.of());
            assertArrayEquals(new long[] {0, 192}, empty.shape());
            empty.close();

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of(img, "cat.jpg")));
            assertTrue(e.getMessage().contains("images[1]") && e.getMessage().contains("java.lang.String"), e.getMessage());
            Path missing = dir.resolve("missing.png");
            UncheckedIOException io = assertThrows(UncheckedIOException.class, () -> enc.encode(List.of(missing)));
            assertTrue(io.getMessage().contains(missing.toString()), io.getMessage());
            Path corrupt = dir.resolve("corrupt.png");
            Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
            e = assertThrows(IllegalArgumentException.class, () -> enc.encodeTensor(List.of(img, img, corrupt)));
            assertTrue(e.getMessage().contains("images[2]") && e.getMessage().contains(corrupt.toString()), e.getMessage());
            assertEquals(1, s.size(), "a failed call frees what it made");
        } finally {
            enc.close();
        }
        assertThrows(IllegalStateException.class, () -> enc.encode(List.of(img)));
        enc.close();
    }

    @Test
    void cudaMatchesCpu() throws Exception {
        assumeImages();
        boolean cuda = Cuda.isAvailable();
        if (!cuda) {
            System.out.println("SKIPPED ImageEncoderTest.cudaMatchesCpu: CUDA is not available");
        }
        assumeTrue(cuda, "CUDA not available");
        try (ImageEncoder cpu = ImageEncoder.load(lclVisual, Device.CPU);
             ImageEncoder gpu = ImageEncoder.load(lclVisual, Device.cuda(0), ImageEncoder.Options.DEFAULT.withBatchSize(4))) {
            float[][] a = cpu.encode(images);
            float[][] b = gpu.encode(images);
            assertTrue(maxDiff(a, b) <= 1e-4, "cuda vs cpu: " + maxDiff(a, b));
            try (ImageEncoder half = ImageEncoder.load(lclVisual, Device.cuda(0), ImageEncoder.Options.DEFAULT.withDtype(DType.FLOAT16))) {
                float[][] h = half.encode(images);
                assertTrue(maxDiff(a, h) <= 2e-2, "fp16 vs fp32: " + maxDiff(a, h));
            }
            try (Scope s = Scope.open()) {
                Tensor t = gpu.encodeTensor(images);
                assertTrue(t.device().isCuda());
            }
        }
    }

    /** The data pipeline's eval transform written by hand: decoder → preprocessor → batch buffer. */
    private static Tensor independentlyPreprocessed(List<Path> files, int size) throws Exception {
        try (ImagePreprocessor pre = new ImagePreprocessor(ImageTransform.eval(size), new ImageDecoder(), true);
             ImageBatchBuffer buf = new ImageBatchBuffer(files.size(), size)) {
            for (int i = 0; i < files.size(); i++) {
                MemorySegment slot = buf.slot(i);
                pre.process(Files.readAllBytes(files.get(i)), null, slot);
            }
            return buf.toTensor(Device.CPU);
        }
    }

    static double maxDiff(float[][] a, float[][] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i].length, b[i].length);
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }
}
