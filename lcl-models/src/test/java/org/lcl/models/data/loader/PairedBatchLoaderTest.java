package org.lcl.models.data.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.data.webdataset.ShardWriter;
import org.lcl.models.data.webdataset.SkipReason;
import org.lcl.models.data.webdataset.WebDataset;
import org.lcl.models.data.webdataset.WebDatasetConfig;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;

/** On shards made from 60 of Tux Paint's stamps plus one corrupt image. */
class PairedBatchLoaderTest {

    static final Path TUXPAINT = Path.of(System.getProperty("lcl.test.stamps", "/usr/share/tuxpaint/stamps"));
    static final int BATCH = 8;
    static final int SIZE = 32;
    static final int CTX = 32;
    static final int IMG_TOKENS = 4;
    static final SpecialTokens SP = SpecialTokens.CLIP;

    static Path dir;
    static String pattern;
    static String corruptKey;
    static final Map<String, String> captions = new HashMap<>();

    /** Each word becomes a stable id in 1..40000. */
    static final class WordTokenizer implements Tokenizer {
        final AtomicInteger calls = new AtomicInteger();
        final int failAt;

        WordTokenizer(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public int[] encode(String text) {
            if (calls.incrementAndGet() == failAt) {
                throw new IllegalStateException("tokenizer broke on purpose");
            }
            return Stream.of(text.trim().split("\\s+")).filter(w -> !w.isEmpty())
                    .mapToInt(w -> Math.floorMod(w.hashCode(), 40000) + 1).toArray();
        }

        @Override
        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SpecialTokens specialTokens() {
            return SP;
        }

        @Override
        public int vocabSize() {
            return 49411;
        }
    }

    @BeforeAll
    static void makeShards() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(TUXPAINT),
                "skipped: " + TUXPAINT + " is missing (apt-get install tuxpaint-stamps-default)");
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(TUXPAINT)) {
            pngs = s.filter(p -> p.toString().endsWith(".png"))
                    .filter(p -> Files.isRegularFile(Path.of(p.toString().replaceAll("\\.png$", ".txt"))))
                    .sorted().limit(60).toList();
        }
        assertEquals(60, pngs.size());
        dir = Files.createTempDirectory("lcl-loader-test");
        try (ShardWriter w = new ShardWriter(dir, "shard-", 10)) {
            for (int i = 0; i < pngs.size(); i++) {
                if (i == 25) {
                    corruptKey = w.write("png", "definitely not a PNG".getBytes(), "a broken picture", null);
                    captions.put(corruptKey, "a broken picture");
                }
                Path png = pngs.get(i);
                String caption = Files.readAllLines(Path.of(png.toString().replaceAll("\\.png$", ".txt"))).getFirst()
                        .replace("\uFEFF", "").trim();
                captions.put(w.write("png", Files.readAllBytes(png), caption, null), caption);
            }
            w.close();
            pattern = w.pattern();
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    static WebDataset open(int workers) {
        return WebDataset.open(WebDatasetConfig.builder(pattern).batchSize(BATCH).workers(workers).seed(3)
                .sampleShuffle(20, 5).build());
    }

    static InterleavedWrapper wrapper(Tokenizer t) {
        return new InterleavedWrapper(t, CTX, IMG_TOKENS, 0.5);
    }

    static PairedBatchLoader loader(WebDataset ds, Tokenizer t, int epoch, int prefetch, int buffers) {
        return new PairedBatchLoader(ds, wrapper(t), ImageTransform.train(SIZE),
                new PairedBatchLoader.Options(epoch, 0, prefetch, buffers));
    }

    static boolean threadsAlive(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
    }

    @Test
    void fullEpochShapesIdsAndCounters() {
        WebDataset ds = open(2);
        WordTokenizer tok = new WordTokenizer(-1);
        InterleavedWrapper wrap = wrapper(tok);
        String lib = System.getProperty("lcl.torch.library", "");
        boolean nativeLib = !lib.isEmpty() && Files.isRegularFile(Path.of(lib));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PairedBatchLoader loader = loader(ds, tok, 0, 3, 2)) {
                assertEquals(2, ds.plan().numWorkers());
                assertEquals(ds.plan().numWorkerBatches() * 2, loader.numBatches());
                assertEquals(ds.plan().numBatches(), loader.numBatches());
                long n = 0;
                int imageFirst = 0;
                while (loader.hasNext()) {
                    try (PairedBatch b = loader.next()) {
                        n++;
                        assertEquals(BATCH, b.batchSize());
                        assertEquals(BATCH, b.keys().size());
                        assertEquals(BATCH * CTX, b.ids().length);
                        for (int i = 0; i < BATCH; i++) {
                            long[] row = b.row(i);
                            String key = b.keys().get(i);
                            assertNotEquals(corruptKey, key);
                            boolean imgFirst = row[0] == SP.startOfImage();
                            assertTrue(imgFirst || row[0] == SP.startOfText(), "row starts with sot or soi");
                            imageFirst += imgFirst ? 1 : 0;
                            int[] expected = wrap.sequence(captions.get(key), imgFirst);
                            assertArrayEquals(java.util.Arrays.stream(expected).asLongStream().toArray(), row, key);
                            // soi, N placeholders, eoi appear exactly once
                            int soi = indexOf(row, SP.startOfImage());
                            assertEquals(SP.endOfImage(), row[soi + IMG_TOKENS + 1]);
                            for (int j = 1; j <= IMG_TOKENS; j++) {
                                assertEquals(SP.imagePlaceholder(), row[soi + j]);
                            }
                            float[] px = b.images().slot(i).toArray(ValueLayout.JAVA_FLOAT);
                            assertEquals(3 * SIZE * SIZE, px.length);
                            assertTrue(java.util.stream.IntStream.range(0, px.length).anyMatch(k -> px[k] != 0f));
                        }
                        if (nativeLib && n <= 2) {
                            try (Scope scope = Scope.open()) {
                                BatchTensors t = b.toTensors(Device.CPU);
                                assertArrayEquals(new long[] {BATCH, 3, SIZE, SIZE}, t.images().shape());
                                assertArrayEquals(new long[] {BATCH, CTX}, t.ids().shape());
                                assertArrayEquals(b.ids(), t.ids().toLongArray());
                            }
                        }
                    }
                }
                assertEquals(loader.numBatches(), n);
                assertTrue(imageFirst > 0 && imageFirst < n * BATCH, "both orders drawn: " + imageFirst);
                PairedBatchLoader.Throughput tp = loader.throughput();
                assertEquals(n, tp.batches());
                assertEquals(n * BATCH, tp.samples());
                assertTrue(tp.imagesPerSecond() > 0 && tp.waitSeconds() >= 0, tp.toString());
                assertThrows(java.util.NoSuchElementException.class, loader::next);
            }
        });
    }

    static int indexOf(long[] row, int id) {
        for (int i = 0; i < row.length; i++) {
            if (row[i] == id) {
                return i;
            }
        }
        throw new AssertionError("no " + id);
    }

    @Test
    void corruptImageIsSkippedAndCountedAndBatchesStayFull() {
        WebDataset ds = open(1);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PairedBatchLoader loader = loader(ds, new WordTokenizer(-1), 0, 2, 2)) {
                List<String> seen = new ArrayList<>();
                while (loader.hasNext()) {
                    try (PairedBatch b = loader.next()) {
                        assertEquals(BATCH, b.keys().size());
                        seen.addAll(b.keys());
                    }
                }
                // 61 samples -> 8 batches of 8: the whole pass (including the bad image) is read
                assertEquals(loader.numBatches() * BATCH, seen.size());
                assertFalse(seen.contains(corruptKey));
                assertTrue(ds.stats().snapshot().skipped(SkipReason.IMAGE_DECODE) >= 1, ds.stats().summary());
                assertEquals(61, seen.stream().distinct().count() + 1, "every good sample seen");
            }
        });
    }

    @Test
    void closeDuringIterationStopsTheWorkers() {
        WebDataset ds = open(2);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            PairedBatchLoader loader = loader(ds, new WordTokenizer(-1), 0, 1, 1);
            String prefix = loader.threadNamePrefix();
            assertTrue(threadsAlive(prefix));
            PairedBatch held = loader.next(); // not released: its worker waits for a buffer
            assertEquals(BATCH, held.batchSize());
            Thread.sleep(200); // let the other worker fill the queue and block
            loader.close();
            assertFalse(threadsAlive(prefix), "worker threads left");
            assertFalse(loader.hasNext());
            assertThrows(IllegalStateException.class, loader::next);
            loader.close(); // idempotent
        });
    }

    @Test
    void workerFailureSurfacesWithItsCause() {
        WebDataset ds = open(1);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (PairedBatchLoader loader = loader(ds, new WordTokenizer(BATCH + 3), 0, 2, 2)) {
                PairedBatch first = loader.next();
                first.release();
                var e = assertThrows(PairedBatchLoader.WorkerFailure.class, () -> {
                    while (loader.hasNext()) {
                        loader.next().release();
                    }
                });
                assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
                assertEquals("tokenizer broke on purpose", e.getCause().getMessage());
                assertTrue(e.getMessage().contains("worker 0"), e.getMessage());
                loader.close();
                assertFalse(threadsAlive(loader.threadNamePrefix()));
            }
        });
    }

    record Epoch(List<String> keys, List<long[]> ids, List<float[]> images) {
    }

    static Epoch read(int epoch) {
        List<String> keys = new ArrayList<>();
        List<long[]> ids = new ArrayList<>();
        List<float[]> images = new ArrayList<>();
        try (PairedBatchLoader loader = loader(open(1), new WordTokenizer(-1), epoch, 2, 2)) {
            while (loader.hasNext()) {
                try (PairedBatch b = loader.next()) {
                    keys.addAll(b.keys());
                    ids.add(b.ids().clone());
                    images.add(b.images().segment().asSlice(0, b.images().slotBytes() * BATCH)
                            .toArray(ValueLayout.JAVA_FLOAT));
                }
            }
        }
        return new Epoch(keys, ids, images);
    }

    @Test
    void oneWorkerIsDeterministicPerEpoch() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Epoch a = read(0);
            Epoch b = read(0);
            assertEquals(a.keys(), b.keys());
            assertEquals(a.ids().size(), b.ids().size());
            for (int i = 0; i < a.ids().size(); i++) {
                assertArrayEquals(a.ids().get(i), b.ids().get(i));
                assertArrayEquals(a.images().get(i), b.images().get(i));
            }
            assertNotEquals(a.keys(), read(1).keys());
        });
    }

    @Test
    void releaseReturnsTheBufferOnce() {
        WebDataset ds = open(1);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (PairedBatchLoader loader = loader(ds, new WordTokenizer(-1), 0, 1, 1)) {
                PairedBatch a = loader.next();
                a.release();
                a.release();
                PairedBatch b = loader.next();
                assertSame(a.images(), b.images(), "one buffer per worker is reused");
                b.release();
            }
        });
    }
}
