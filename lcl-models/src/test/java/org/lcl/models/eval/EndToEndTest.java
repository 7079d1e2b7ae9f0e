package org.lcl.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.eval.data.CaptionedImages;
import org.lcl.models.eval.data.ImageFolder;
import org.lcl.models.eval.data.LabeledImages;
import org.lcl.models.model.ClipModel;
import org.lcl.models.model.LclModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Torch;

/** Zero-shot, retrieval and the linear probe on tiny randomly initialised models (configs/*Tiny-16_demo). */
class EndToEndTest {

    private static LclModel lcl;
    private static ClipModel clip;
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();

    @BeforeAll
    static void models() {
        Torch.manualSeed(0);
        lcl = (LclModel) Models.create("LCL_ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32);
        clip = (ClipModel) Models.create("ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32);
    }

    @AfterAll
    static void close() {
        lcl.close();
        clip.close();
    }

    /** n random images of varied sizes in three classes. */
    static LabeledImages randomImages(int n) {
        return new LabeledImages() {
            @Override
            public String name() {
                return "random";
            }

            @Override
            public List<String> classes() {
                return List.of("cat", "dog", "T-shirt/top");
            }

            @Override
            public int size() {
                return n;
            }

            @Override
            public int label(int i) {
                return i % 3;
            }

            @Override
            public RgbImage image(int i, ImageDecoder decoder) {
                SplittableRandom r = new SplittableRandom(i);
                int w = 20 + 7 * i;
                int h = 30 + 3 * i;
                byte[] px = new byte[3 * w * h];
                for (int k = 0; k < px.length; k++) {
                    px[k] = (byte) r.nextInt(256);
                }
                return new RgbImage(w, h, px);
            }

            @Override
            public String source(int i) {
                return "random[" + i + "]";
            }
        };
    }

    private static void assertUnit(ClassificationMetrics m) {
        for (double v : new double[] {m.acc1(), m.acc5(), m.meanPerClassRecall()}) {
            assertTrue(v >= 0 && v <= 1, "metric outside [0, 1]: " + m);
        }
        assertTrue(m.acc1() <= m.acc5(), m.toString());
    }

    @Test
    void zeroShotOnTinyLclModel() {
        ZeroShot.Result r = ZeroShot.run(lcl, TOKENIZER, randomImages(9), ZeroShot.Options.DEFAULT.withEncodeBatchSize(4), null);
        assertEquals(9, r.metrics().samples());
        assertEquals(0, r.skipped());
        assertUnit(r.metrics());
        assertEquals(1.0, r.metrics().acc5());  // three classes: top-3 always holds the label
    }

    @Test
    void zeroShotOnTinyClipModel() {
        ZeroShot.Result r = ZeroShot.run(clip, TOKENIZER, randomImages(6), ZeroShot.Options.DEFAULT, null);
        assertEquals(6, r.metrics().samples());
        assertUnit(r.metrics());
    }

    @Test
    void classEmbeddingsAreUnitVectorsAndDifferPerClass() {
        List<String> classes = List.of("cat", "dog");
        float[] w = ZeroShot.classifier(lcl, TOKENIZER, classes, ZeroShot.Options.DEFAULT);
        int d = w.length / 2;
        assertEquals(lcl.config().embedDim(), d);
        double n0 = 0;
        double diff = 0;
        for (int k = 0; k < d; k++) {
            n0 += w[k] * w[k];
            diff += Math.abs(w[k] - w[d + k]);
        }
        assertEquals(1.0, n0, 1e-5);
        assertTrue(diff > 1e-3, "both classes got the same embedding");
    }

    @Test
    void featuresAreUnitNormAndIndependentOfBatchSize() {
        lcl.train(true);
        LabeledFeatures a = FeatureExtractor.extract(lcl, randomImages(5), 2, null);
        assertTrue(lcl.isTraining(), "the model's training mode is restored");
        LabeledFeatures b = FeatureExtractor.extract(lcl, randomImages(5), 5, null);
        assertEquals(5, a.count());
        assertEquals(lcl.config().embedDim(), a.dim());
        for (int i = 0; i < 5; i++) {
            double norm = 0;
            for (int k = 0; k < a.dim(); k++) {
                norm += a.features()[i * a.dim() + k] * a.features()[i * a.dim() + k];
                assertEquals(a.features()[i * a.dim() + k], b.features()[i * a.dim() + k], 1e-5);
            }
            assertEquals(1.0, norm, 1e-5);
        }
    }

    @Test
    void corruptImagesAreSkippedAndCounted(@TempDir Path root) throws IOException {
        org.lcl.models.eval.data.ImageFolderTestImages.png(root.resolve("a/1.png"), 0x102030);
        org.lcl.models.eval.data.ImageFolderTestImages.png(root.resolve("b/1.png"), 0x405060);
        Files.write(root.resolve("b/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        LabeledFeatures f = FeatureExtractor.extract(lcl, ImageFolder.open(root), 8, null);
        assertEquals(2, f.count());
        assertEquals(1, f.skipped());
        assertTrue(f.skipReasons().getFirst().contains("broken.png"), f.skipReasons().toString());
        assertEquals(List.of(0, 1), List.of(f.labels()[0], f.labels()[1]));
    }

    @Test
    void retrievalOverACaptionedFolder(@TempDir Path root) throws IOException {
        String[] captions = {"a red square", "a green square", "a blue square", "a grey square", "a broken file"};
        int[] colours = {0xff0000, 0x00ff00, 0x0000ff, 0x808080};
        for (int i = 0; i < 4; i++) {
            org.lcl.models.eval.data.ImageFolderTestImages.png(root.resolve("img" + i + ".png"), colours[i]);
            Files.writeString(root.resolve("img" + i + ".txt"), captions[i]);
        }
        Files.write(root.resolve("img4.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 0});
        Files.writeString(root.resolve("img4.txt"), captions[4]);
        Retrieval.Result r = Retrieval.run(lcl, TOKENIZER, CaptionedImages.open(root), 3, null);
        RetrievalMetrics m = r.metrics();
        assertEquals(4, m.samples());
        assertEquals(1, r.skipped());
        assertEquals(1.0, m.imageToTextR5());  // 4 candidates
        assertTrue(m.imageToTextR1() >= 0 && m.imageToTextR1() <= 1);
        assertTrue(m.textToImageMeanRank() >= 1 && m.textToImageMeanRank() <= 4);
    }

    @Test
    void linearProbeRunsOnModelFeatures() {
        LinearProbe.Result r = LinearProbe.run(lcl, randomImages(12), randomImages(6), LinearProbe.Options.DEFAULT.withEpochs(2), null);
        assertEquals(6, r.metrics().samples());
        assertEquals(12, r.trainSamples());
        assertUnit(r.metrics());
    }

    @Test
    void promptsKeepOneEndTokenWhenTruncated() {
        SpecialTokens sp = SpecialTokens.CLIP;
        long[] ids = TextFeatures.tokenize(TOKENIZER, List.of("abcdefghij", "x<end_of_text>y<start_of_img>"), 6);
        // "abcdefghij" cut to four ids, the end token at the last position
        assertEquals(List.of((long) sp.startOfText(), 'a' + 1L, 'b' + 1L, 'c' + 1L, 'd' + 1L, (long) sp.endOfText()),
                java.util.Arrays.stream(ids, 0, 6).boxed().toList());
        // special ids inside the text are dropped: one end token per prompt
        assertEquals(List.of((long) sp.startOfText(), 'x' + 1L, 'y' + 1L, (long) sp.endOfText(), 0L, 0L),
                java.util.Arrays.stream(ids, 6, 12).boxed().toList());
    }

    @Test
    void longPromptsStillGiveOneFeatureEach() {
        String longText = "word ".repeat(100);
        float[] f = TextFeatures.encode(lcl, TOKENIZER, List.of(longText, "short"), 2);
        assertEquals(2 * lcl.config().embedDim(), f.length);
    }
}
