package org.lcl.models.data.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.mmc4.Mmc4Config;
import org.lcl.models.data.mmc4.Mmc4Exception;
import org.lcl.models.data.mmc4.Mmc4Generator;
import org.lcl.models.data.mmc4.Mmc4Sample;
import org.lcl.models.data.mmc4.Mmc4Stats;
import org.lcl.models.data.mmc4.Mmc4Stream;
import org.lcl.models.data.tokenizer.ClipTokenizer;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.data.webdataset.EpochPlan;
import org.lcl.models.data.webdataset.Rng;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;

/** On an MMC4 corpus generated from a dozen Tux Paint stamps and a few fortune files, and on hand-made documents. */
class Mmc4BatchLoaderTest {

    static final Path STAMPS = Path.of("/usr/share/tuxpaint/stamps");
    static final Path FORTUNES = Path.of("/usr/share/games/fortunes");
    static final int BATCH = 4;
    static final int SIZE = 32;
    static final int CTX = 256;
    static final int N = 4;

    static Path corpus;
    static Tokenizer tok;

    @TempDir
    Path tmp;

    static Tokenizer tokenizer() {
        for (Path vocab : List.of(Path.of("..", "..", "shared", "data", ClipTokenizer.VOCAB_FILE_NAME),
                Path.of("..", "shared", "data", ClipTokenizer.VOCAB_FILE_NAME))) {
            if (Files.isRegularFile(vocab)) {
                return Tokenizers.create("clip", vocab);
            }
        }
        System.out.println("Mmc4BatchLoaderTest: CLIP vocabulary not found beside the project; using gpt2");
        return Tokenizers.create("gpt2", null);
    }

    /** Copies the first `stamps` stamp pairs and `fortunes` fortune files into dir (for Mmc4Generator). */
    static void smallInputs(Path dir, int stamps, int fortunes) throws Exception {
        Path s = Files.createDirectories(dir.resolve("stamps"));
        Path f = Files.createDirectories(dir.resolve("fortunes"));
        List<Mmc4Generator.Pair> pairs = Mmc4Generator.pairs(STAMPS);
        for (int i = 0; i < Math.min(stamps, pairs.size()); i++) {
            Files.copy(pairs.get(i).image(), s.resolve("s" + i + ".png"));
            Files.writeString(s.resolve("s" + i + ".txt"), pairs.get(i).caption());
        }
        try (Stream<Path> files = Files.list(FORTUNES)) {
            for (Path p : files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().contains("."))
                    .sorted().limit(fortunes).toList()) {
                Files.copy(p, f.resolve(p.getFileName()));
            }
        }
    }

    @BeforeAll
    static void makeCorpus() throws Exception {
        tok = tokenizer();
        if (!Files.isDirectory(STAMPS) || !Files.isDirectory(FORTUNES)) {
            System.out.println("Mmc4BatchLoaderTest: the generated-corpus tests are skipped: they need Debian packages "
                    + "tuxpaint-stamps-default (" + STAMPS + ") and fortunes (" + FORTUNES + ")");
            return;
        }
        Path dir = Files.createTempDirectory("lcl-mmc4-loader-test");
        smallInputs(dir, 12, 3);
        corpus = dir.resolve("mmc4");
        Mmc4Generator.generate(dir.resolve("stamps"), dir.resolve("fortunes"), corpus, 4, 12, 7);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (corpus != null) {
            try (Stream<Path> s = Files.walk(corpus.getParent())) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void needCorpus() {
        Assumptions.assumeTrue(corpus != null, "skipped: tuxpaint-stamps-default or fortunes not installed");
    }

    static Mmc4Config config(Path root) {
        return Mmc4Config.defaults(root, 5).withContextLength(CTX).withNumImageTokens(N).withShuffleBuffer(8);
    }

    static Mmc4BatchLoader loader(Tokenizer t, Mmc4Config c, long samples, int workers, int epoch, int prefetch,
                                  int buffers, Mmc4Stats stats) {
        EpochPlan plan = Mmc4BatchLoader.plan(c, samples, BATCH, 1, workers);
        return new Mmc4BatchLoader(c, t, ImageTransform.train(SIZE), stats, plan,
                new PairedBatchLoader.Options(epoch, 0, prefetch, buffers));
    }

    static long count(long[] ids, int id) {
        return Arrays.stream(ids).filter(v -> v == id).count();
    }

    static float[] pixels(Mmc4TrainBatch b) {
        return b.images().segment().asSlice(0, b.images().slotBytes() * b.numImages()).toArray(ValueLayout.JAVA_FLOAT);
    }

    static boolean threadsAlive(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
    }

    @Test
    void everyBatchHasItsImagesAndPlaceholdersInStep() {
        needCorpus();
        SpecialTokens sp = tok.specialTokens();
        String lib = System.getProperty("lcl.torch.library", "");
        boolean nativeLib = !lib.isEmpty() && Files.isRegularFile(Path.of(lib));
        if (!nativeLib) {
            System.out.println("Mmc4BatchLoaderTest: no native library, toTensors not checked");
        }
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (Mmc4BatchLoader loader = loader(tok, config(corpus), 30, 2, 0, 3, 2, new Mmc4Stats())) {
                // 30 documents -> ceil(30 / 4) = 8 batches -> 4 per worker x 2 workers
                assertEquals(2, loader.plan().numWorkers());
                assertEquals(8, loader.numBatches());
                assertEquals(32, loader.numSamples());
                long n = 0;
                while (loader.hasNext()) {
                    try (Mmc4TrainBatch b = loader.next()) {
                        n++;
                        assertEquals(BATCH, b.batchSize());
                        assertEquals(BATCH, b.sources().size());
                        assertEquals(b.numImages(), count(b.ids(), sp.startOfImage()));
                        assertEquals((long) b.numImages() * N, count(b.ids(), sp.imagePlaceholder()));
                        assertEquals(b.numImages(), b.imageNames().size());
                        assertTrue(b.numImages() >= BATCH && b.numImages() <= BATCH * 6, "images " + b.numImages());
                        for (int r = 0; r < BATCH; r++) {
                            long[] row = b.row(r);
                            assertEquals(sp.startOfText(), row[0]);
                            assertTrue(count(row, sp.startOfImage()) >= 1, "every document keeps an image");
                        }
                        for (int i = 0; i < b.numImages(); i++) {
                            float[] px = b.images().slot(i).toArray(ValueLayout.JAVA_FLOAT);
                            assertTrue(IntStream.range(0, px.length).anyMatch(k -> px[k] != 0f), "image " + i + " written");
                        }
                        if (nativeLib && n <= 2) {
                            try (Scope scope = Scope.open()) {
                                BatchTensors t = b.toTensors(Device.CPU);
                                assertArrayEquals(new long[] {b.numImages(), 3, SIZE, SIZE}, t.images().shape());
                                assertArrayEquals(new long[] {BATCH, CTX}, t.ids().shape());
                                assertArrayEquals(b.ids(), t.ids().toLongArray());
                                assertArrayEquals(pixels(b), t.images().toFloatArray());
                            }
                        }
                    }
                }
                assertEquals(8, n);
                assertEquals(n, loader.throughput().batches());
                assertEquals(n * BATCH, loader.throughput().samples());
                assertTrue(loader.skipped().isEmpty() || !loader.skipped().containsKey("image does not decode"),
                        loader.skipped().toString());
            }
        });
    }

    @Test
    void oneWorkerGivesTheStreamsDocumentsAndImagesInOrder() {
        needCorpus();
        Mmc4Config c = config(corpus);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (Mmc4BatchLoader loader = loader(tok, c, 5 * BATCH, 1, 2, 2, 2, new Mmc4Stats());
                    Mmc4Stream stream = new Mmc4Stream(c, tok, new Mmc4Stats(), 0, 1, 0, 1, 2);
                    ImagePreprocessor pre = new ImagePreprocessor(ImageTransform.train(SIZE));
                    Arena arena = Arena.ofConfined()) {
                Rng crops = new Rng(Rng.mix(PairedBatchLoader.SALT_CROP, c.seed(), 2, 0, 0));
                MemorySegment one = arena.allocate(3L * SIZE * SIZE * Float.BYTES);
                int batches = 0;
                while (loader.hasNext()) {
                    try (Mmc4TrainBatch b = loader.next()) {
                        batches++;
                        int slot = 0;
                        List<String> names = new ArrayList<>();
                        for (int r = 0; r < BATCH; r++) {
                            Mmc4Sample s = stream.next();
                            assertArrayEquals(Arrays.stream(s.ids()).asLongStream().toArray(), b.row(r));
                            assertEquals(s.source(), b.sources().get(r));
                            for (int i = 0; i < s.numImages(); i++) {
                                pre.process(s.imageBytes().get(i), crops::nextLong, one);
                                assertArrayEquals(one.toArray(ValueLayout.JAVA_FLOAT),
                                        b.images().slot(slot).toArray(ValueLayout.JAVA_FLOAT), "image " + slot);
                                slot++;
                                names.add(s.imageNames().get(i));
                            }
                        }
                        assertEquals(slot, b.numImages());
                        assertEquals(names, b.imageNames());
                    }
                }
                assertEquals(5, batches);
            }
        });
    }

    record Epoch(List<long[]> ids, List<float[]> images, List<String> names) {
    }

    static Epoch read(int epoch) {
        List<long[]> ids = new ArrayList<>();
        List<float[]> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (Mmc4BatchLoader loader = loader(tok, config(corpus), 6 * BATCH, 1, epoch, 2, 2, new Mmc4Stats())) {
            while (loader.hasNext()) {
                try (Mmc4TrainBatch b = loader.next()) {
                    ids.add(b.ids().clone());
                    images.add(pixels(b));
                    names.addAll(b.imageNames());
                }
            }
        }
        return new Epoch(ids, images, names);
    }

    @Test
    void oneWorkerIsDeterministicAndEpochsDiffer() {
        needCorpus();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Epoch a = read(0);
            Epoch b = read(0);
            assertEquals(6, a.ids().size());
            assertEquals(a.names(), b.names());
            for (int i = 0; i < a.ids().size(); i++) {
                assertArrayEquals(a.ids().get(i), b.ids().get(i));
                assertArrayEquals(a.images().get(i), b.images().get(i));
            }
            Epoch c = read(1);
            assertFalse(IntStream.range(0, a.ids().size()).allMatch(i -> Arrays.equals(a.ids().get(i), c.ids().get(i))),
                    "epoch 1 reads other documents or draws other placements");
        });
    }

    @Test
    void workerFailureSurfacesWithItsCause() {
        needCorpus();
        AtomicInteger calls = new AtomicInteger();
        Tokenizer failing = new Tokenizer() {
            @Override
            public int[] encode(String text) {
                if (calls.incrementAndGet() == BATCH + 3) {
                    throw new IllegalStateException("tokenizer broke on purpose");
                }
                return tok.encode(text);
            }

            @Override
            public String decode(int[] ids) {
                return tok.decode(ids);
            }

            @Override
            public SpecialTokens specialTokens() {
                return tok.specialTokens();
            }

            @Override
            public int vocabSize() {
                return tok.vocabSize();
            }
        };
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Mmc4BatchLoader loader = loader(failing, config(corpus), 10 * BATCH, 1, 0, 2, 2, new Mmc4Stats());
            try (loader) {
                var e = assertThrows(PairedBatchLoader.WorkerFailure.class, () -> {
                    while (loader.hasNext()) {
                        loader.next().close();
                    }
                });
                assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
                assertEquals("tokenizer broke on purpose", e.getCause().getMessage());
                assertTrue(e.getMessage().contains("worker 0"), e.getMessage());
            }
            assertFalse(threadsAlive(loader.threadNamePrefix()));
        });
    }

    @Test
    void closeStopsTheWorkersAndFreesTheBuffers() {
        needCorpus();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Mmc4BatchLoader loader = loader(tok, config(corpus), 20 * BATCH, 2, 0, 1, 1, new Mmc4Stats());
            String prefix = loader.threadNamePrefix();
            assertTrue(threadsAlive(prefix));
            Mmc4TrainBatch held = loader.next(); // not closed: its worker waits for a buffer
            held.images().segment().get(ValueLayout.JAVA_FLOAT, 0);
            Thread.sleep(200); // let the other worker fill the queue and block
            loader.close();
            assertFalse(threadsAlive(prefix), "worker threads left");
            assertThrows(IllegalStateException.class, () -> held.images().segment().get(ValueLayout.JAVA_FLOAT, 0),
                    "the image memory is freed");
            assertFalse(loader.hasNext());
            assertThrows(IllegalStateException.class, loader::next);
            loader.close(); // idempotent
        });
    }

    // ---- hand-made documents (no Debian packages needed) --------------------------------------

    /** Whitespace-separated words to stable ids; the five special strings to their CLIP ids. */
    static final Tokenizer WORDS = new Tokenizer() {
        @Override
        public int[] encode(String text) {
            return Stream.of(text.trim().split("\\s+")).filter(w -> !w.isEmpty()).mapToInt(w -> {
                int special = SPECIAL_STRINGS.indexOf(w);
                return special >= 0 ? SpecialTokens.CLIP.startOfText() + special : Math.floorMod(w.hashCode(), 40000) + 1;
            }).toArray();
        }

        @Override
        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SpecialTokens specialTokens() {
            return SpecialTokens.CLIP;
        }

        @Override
        public int vocabSize() {
            return 49411;
        }
    };

    static String doc(List<String> text, String... imageAtSentence) {
        StringBuilder b = new StringBuilder("{\"text_list\": [");
        for (int i = 0; i < text.size(); i++) {
            b.append(i == 0 ? "" : ", ").append('"').append(text.get(i)).append('"');
        }
        b.append("], \"image_info\": [");
        for (int i = 0; i < imageAtSentence.length; i++) {
            String[] p = imageAtSentence[i].split("@");
            b.append(i == 0 ? "" : ", ").append("{\"image_name\": \"").append(p[0]).append("\", \"matched_text_index\": ")
                    .append(p[1]).append(", \"matched_sim\": 0.3, \"raw_url\": \"x\", \"face_detections\": null}");
        }
        return b.append("], \"similarity_matrix\": [], \"url\": \"http://x\"}").toString();
    }

    static void png(Path file, int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 90);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    static long[] withoutImageTokens(long[] row) {
        SpecialTokens sp = SpecialTokens.CLIP;
        return LongStream.of(row).filter(v -> v != sp.startOfImage() && v != sp.imagePlaceholder()
                && v != sp.endOfImage() && v != SpecialTokens.PAD).toArray();
    }

    @Test
    void undecodableImagesAreCutOutAndDocumentsWithoutImagesReplaced() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        png(images.resolve("good.png"), 40, 30);
        Files.write(images.resolve("bad.png"), "definitely not a PNG".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(tmp.resolve("data"));
        List<String> a = List.of("Alpha sentence one.", "Beta sentence two.");
        List<String> c = List.of("Delta good again.");
        Files.write(tmp.resolve("data").resolve("docs_shard_0_v2.jsonl"), List.of(
                doc(a, "good.png@0", "bad.png@1"),
                doc(List.of("Gamma only bad."), "bad.png@0"),
                doc(c, "good.png@0")));
        Mmc4Config config = Mmc4Config.defaults(tmp, 1).withContextLength(64).withNumImageTokens(N).withShuffleBuffer(1);
        Mmc4Stats stats = new Mmc4Stats();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            EpochPlan plan = Mmc4BatchLoader.plan(config, 2L, 2, 1, 1);
            try (Mmc4BatchLoader loader = new Mmc4BatchLoader(config, WORDS, ImageTransform.train(SIZE), stats, plan,
                    new PairedBatchLoader.Options(0, 0, 1, 1));
                    Mmc4TrainBatch b = loader.next()) {
                assertEquals(List.of("good.png", "good.png"), b.imageNames());
                assertEquals(2, b.numImages());
                assertTrue(b.sources().get(0).endsWith(":1") && b.sources().get(1).endsWith(":3"), b.sources().toString());
                SpecialTokens sp = SpecialTokens.CLIP;
                for (int r = 0; r < 2; r++) {
                    long[] row = b.row(r);
                    assertEquals(1, count(row, sp.startOfImage()));
                    assertEquals(N, count(row, sp.imagePlaceholder()));
                    assertEquals(1, count(row, sp.endOfImage()));
                    int[] text = WORDS.tokenize(String.join(" ", r == 0 ? a : c), 64);
                    assertArrayEquals(withoutImageTokens(Arrays.stream(text).asLongStream().toArray()), withoutImageTokens(row));
                    // the eot ends the row: nothing but padding after it
                    int eot = (int) LongStream.range(0, row.length).filter(i -> row[(int) i] == sp.endOfText()).findFirst()
                            .orElseThrow();
                    assertTrue(LongStream.range(eot + 1, row.length).allMatch(i -> row[(int) i] == 0));
                }
            }
        });
        Mmc4Stats.Snapshot s = stats.snapshot();
        assertEquals(2, s.imagesUndecodable(), stats.summary());
        assertEquals(1, s.documentsNoDecodableImage(), stats.summary());
        assertEquals(2L, stats.skipped().get("image does not decode"));
        assertEquals(1L, stats.skipped().get("document without a decodable image"));
    }

    @Test
    void planTakesWorkersEveryRankCanFeedAndNeedsTheSampleCount() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        for (int i = 0; i < 5; i++) {
            Files.write(tmp.resolve("data").resolve("docs_shard_" + i + "_v2.jsonl"), List.of(doc(List.of("x y."), "a.png@0")));
        }
        Mmc4Config config = Mmc4Config.defaults(tmp, 1);
        // world 2: rank 0 has shards 0, 2, 4 and rank 1 has 1, 3: both ranks use 2 workers
        EpochPlan p = Mmc4BatchLoader.plan(config, 100L, 8, 2, 4);
        assertEquals(2, p.numWorkers());
        assertEquals(4, p.numWorkerBatches()); // ceil(ceil(100 / 16) / 2)
        assertEquals(8, p.numBatches());
        assertEquals(4, Mmc4BatchLoader.plan(config.withGlobalDistributed(false), 100L, 8, 2, 4).numWorkers());
        Mmc4Exception none = assertThrows(Mmc4Exception.class, () -> Mmc4BatchLoader.plan(config, null, 8, 2, 4));
        assertTrue(none.getMessage().contains("--train-num-samples"), none.getMessage());
        Mmc4Exception rank = assertThrows(Mmc4Exception.class, () -> Mmc4BatchLoader.plan(config, 100L, 8, 6, 4));
        assertTrue(rank.getMessage().contains("rank 5 of 6"), rank.getMessage());
    }
}
