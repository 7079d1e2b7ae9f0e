package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebDatasetTest {

    @TempDir
    Path tmp;

    /** n shards of m samples: DIR/NAME-00.tar ..., keys "NAME-00-0000", with sizes.json. */
    private String shards(String dirName, String name, int n, int m) throws Exception {
        Path dir = tmp.resolve(dirName);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String shard = String.format("%s-%02d", name, i);
            Tars.shard(dir.resolve(shard + ".tar"), shard + "-", m);
            sizes.put(shard + ".tar", m);
        }
        Tars.sizes(dir, sizes);
        return dir + "/" + name + "-{00.." + String.format("%02d", n - 1) + "}.tar";
    }

    private static WebDatasetConfig.Builder cfg(String data) {
        return WebDatasetConfig.builder(data).batchSize(4).workers(2).seed(7);
    }

    private static List<String> keys(List<WdsSample> samples) {
        return samples.stream().map(WdsSample::key).toList();
    }

    private static Set<String> keysOfShards(List<Shard> shards) {
        Set<String> out = new HashSet<>();
        for (Shard s : shards) {
            Tars.readAll(s.path(), new WebDatasetStats()).forEach(x -> out.add(x.key()));
        }
        return out;
    }

    @Test
    void epochSizeFromSizesJsonOrFlag() throws Exception {
        String data = shards("d", "s", 12, 20);
        WebDataset ds = WebDataset.open(cfg(data).build());
        assertEquals(12, ds.shards().size());
        assertEquals(240, ds.plan().requestedSamples());
        assertEquals("sizes.json", ds.plan().sizeSource());
        // batch 4, 1 process, 2 workers: ceil(240/4) = 60; ceil(60/2) = 30; 60 batches; 240 samples
        assertEquals(30, ds.plan().numWorkerBatches());
        assertEquals(240, ds.plan().numSamples());

        WebDataset flagged = WebDataset.open(cfg(data).trainNumSamples(1000L).build());
        assertEquals(1000, flagged.plan().requestedSamples());
        assertEquals("--train-num-samples", flagged.plan().sizeSource());
    }

    @Test
    void sizesAddUpOverSourcesInSeveralDirectories() throws Exception {
        String a = shards("a", "x", 3, 5);
        String b = shards("b", "y", 2, 7);
        WebDataset ds = WebDataset.open(cfg(a + "::" + b).workers(1).build());
        assertEquals(5, ds.shards().size());
        assertEquals(3 * 5 + 2 * 7, ds.plan().requestedSamples());
    }

    @Test
    void unknownEpochSizeIsAClearError() throws Exception {
        String data = shards("d", "s", 2, 3);
        Files.delete(tmp.resolve("d/sizes.json"));
        var e = assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg(data).build()));
        assertTrue(e.getMessage().contains("--train-num-samples"), e.getMessage());

        Files.writeString(tmp.resolve("d/__len__"), "6\n");
        assertEquals(6, WebDataset.open(cfg(data).workers(1).build()).plan().requestedSamples());

        Files.writeString(tmp.resolve("d/sizes.json"), "{\"s-00.tar\": 3}");
        var e2 = assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg(data).build()));
        assertTrue(e2.getMessage().contains("s-01.tar"), e2.getMessage());
    }

    @Test
    void missingPathsAndEmptyDataFailBeforeTraining() throws Exception {
        var e = assertThrows(WebDatasetException.class,
                () -> WebDataset.open(cfg(tmp + "/nowhere/{00..09}.tar").build()));
        assertTrue(e.getMessage().contains("matches no file"), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        String data = shards("d", "s", 3, 2);
        var partly = assertThrows(WebDatasetException.class,
                () -> WebDataset.open(cfg(tmp + "/d/s-{00..04}.tar").trainNumSamples(10L).build()));
        assertTrue(partly.getMessage().contains("2 of 5 shards"), partly.getMessage());
        WebDataset allowed = WebDataset.open(cfg(tmp + "/d/s-{00..04}.tar").trainNumSamples(10L)
                .allowMissingShards(true).build());
        assertEquals(3, allowed.shards().size());

        assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg("").build()));
        assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg("https://host/{0..1}.tar").build()));
        assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg(data + "::").build()));

        // sizes.json says zero samples
        Path z = tmp.resolve("z");
        Tars.create().writeTo(z.resolve("e.tar"));
        Tars.sizes(z, Map.of("e.tar", 0));
        var empty = assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg(z + "/e.tar").build()));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        // shards that hold no usable sample, whatever the flag says
        var noSample = assertThrows(WebDatasetException.class,
                () -> WebDataset.open(cfg(z + "/e.tar").trainNumSamples(100L).build()));
        assertTrue(noSample.getMessage().contains("no usable sample"), noSample.getMessage());
        // zero-byte shards
        Files.write(z.resolve("zero.tar"), new byte[0]);
        assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg(z + "/zero.tar").trainNumSamples(100L).build()));
    }

    @Test
    void upsamplingFactorsNeedResampling() throws Exception {
        String a = shards("a", "x", 2, 2);
        String b = shards("b", "y", 2, 2);
        var e = assertThrows(WebDatasetException.class,
                () -> WebDataset.open(cfg(a + "::" + b).upsamplingFactors("1::2").build()));
        assertTrue(e.getMessage().contains("--dataset-resampled"), e.getMessage());
        assertThrows(WebDatasetException.class,
                () -> WebDataset.open(cfg(a + "::" + b).resampled(true).upsamplingFactors("1::2::3").build()));
        assertThrows(WebDatasetException.class,
                () -> WebDataset.open(cfg(a + "::" + b).resampled(true).upsamplingFactors("1::x").build()));
    }

    @Test
    void shardOrderIsSeededBySeedPlusEpochTheSameForEveryone() throws Exception {
        String data = shards("d", "s", 12, 2);
        WebDataset ds = WebDataset.open(cfg(data).build());
        WebDataset again = WebDataset.open(cfg(data).build());
        List<Shard> e0 = ds.epochShardOrder(0);
        assertEquals(e0, again.epochShardOrder(0));
        assertEquals(new HashSet<>(ds.shards()), new HashSet<>(e0));
        assertEquals(12, e0.size());
        assertNotEquals(ds.shards(), e0); // shuffled
        assertNotEquals(e0, ds.epochShardOrder(1)); // a new order each epoch
        // seed + epoch: seed 7 epoch 1 is seed 8 epoch 0
        WebDataset seed8 = WebDataset.open(cfg(data).seed(8).build());
        assertEquals(ds.epochShardOrder(1), seed8.epochShardOrder(0));
    }

    @Test
    void shardsSplitByRankThenWorkerAreDisjointAndCoverAll() throws Exception {
        String data = shards("d", "s", 14, 2);
        WebDataset ds = WebDataset.open(cfg(data).worldSize(3).workers(2).build());
        for (int epoch = 0; epoch < 3; epoch++) {
            List<Shard> order = ds.epochShardOrder(epoch);
            List<Shard> all = new ArrayList<>();
            for (int rank = 0; rank < 3; rank++) {
                for (int worker = 0; worker < 2; worker++) {
                    List<Shard> mine = ds.shardsFor(epoch, rank, worker);
                    // order[rank::3][worker::2]
                    List<Shard> expected = new ArrayList<>();
                    int k = 0;
                    for (int i = rank; i < order.size(); i += 3, k++) {
                        if (k % 2 == worker) {
                            expected.add(order.get(i));
                        }
                    }
                    assertEquals(expected, mine);
                    assertTrue(mine.size() >= 2);
                    all.addAll(mine);
                }
            }
            assertEquals(14, all.size());
            assertEquals(new HashSet<>(ds.shards()), new HashSet<>(all)); // 14 distinct: disjoint and covering
        }
    }

    @Test
    void oneEpochPassOfAllWorkersReadsEverySampleOnce() throws Exception {
        String data = shards("d", "s", 12, 20);
        WebDataset ds = WebDataset.open(cfg(data).worldSize(2).workers(3).build());
        List<String> seen = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            for (int worker = 0; worker < 3; worker++) {
                try (WorkerStream s = ds.stream(0, rank, worker)) {
                    assertEquals(2, s.shards().size());
                    List<WdsSample> pass = s.take(40); // 2 shards x 20
                    assertEquals(keysOfShards(s.shards()), new HashSet<>(keys(pass)));
                    assertEquals(1, s.passes());
                    seen.addAll(keys(pass));
                }
            }
        }
        assertEquals(240, seen.size());
        assertEquals(240, new HashSet<>(seen).size());
        assertEquals(240, ds.stats().snapshot().samplesYielded());
    }

    @Test
    void workersStartOverOnTheirShardsWithAFreshShuffle() throws Exception {
        String data = shards("d", "s", 4, 30);
        WebDataset ds = WebDataset.open(cfg(data).workers(2).sampleShuffle(50, 10).build());
        try (WorkerStream s = ds.stream(0, 0, 1)) {
            List<String> first = keys(s.take(60));
            List<String> second = keys(s.take(60));
            assertEquals(2, s.passes());
            assertEquals(new HashSet<>(first), new HashSet<>(second));
            assertEquals(60, new HashSet<>(first).size());
            assertNotEquals(first, second);
            List<String> fileOrder = new ArrayList<>(first);
            fileOrder.sort(null);
            assertNotEquals(fileOrder, first); // the sample buffer shuffles
        }
    }

    @Test
    void streamsAreDeterministicPerSeedEpochRankWorker() throws Exception {
        String data = shards("d", "s", 8, 25);
        WebDataset a = WebDataset.open(cfg(data).worldSize(2).workers(2).build());
        WebDataset b = WebDataset.open(cfg(data).worldSize(2).workers(2).build());
        for (int epoch = 0; epoch < 2; epoch++) {
            for (int rank = 0; rank < 2; rank++) {
                for (int worker = 0; worker < 2; worker++) {
                    try (WorkerStream x = a.stream(epoch, rank, worker); WorkerStream y = b.stream(epoch, rank, worker)) {
                        assertEquals(keys(x.take(120)), keys(y.take(120)));
                    }
                }
            }
        }
        try (WorkerStream e0 = a.stream(0, 0, 0); WorkerStream e1 = a.stream(1, 0, 0)) {
            assertNotEquals(keys(e0.take(50)), keys(e1.take(50)));
        }
        WebDataset otherSeed = WebDataset.open(cfg(data).worldSize(2).workers(2).seed(99).build());
        try (WorkerStream x = a.stream(0, 0, 0); WorkerStream y = otherSeed.stream(0, 0, 0)) {
            assertNotEquals(keys(x.take(50)), keys(y.take(50)));
        }
    }

    @Test
    void resampledDrawsFollowTheUpsamplingFactors() throws Exception {
        String a = shards("a", "x", 4, 5);
        String b = shards("b", "y", 4, 5);
        WebDataset ds = WebDataset.open(cfg(a + "::" + b).resampled(true).upsamplingFactors("1::3")
                .sampleShuffle(100, 20).build());
        int fromB = 0;
        int total = 8000; // 1600 shard draws; P(b) = 4*3 / (4*1 + 4*3) = 0.75, sd of the share about 0.011
        try (WorkerStream s = ds.stream(0, 0, 0)) {
            for (int i = 0; i < total; i++) {
                if (s.next().key().startsWith("y-")) {
                    fromB++;
                }
            }
        }
        double share = fromB / (double) total;
        assertEquals(0.75, share, 0.05, "share of source b");

        // unweighted resampling: about one half each
        WebDataset plain = WebDataset.open(cfg(a + "::" + b).resampled(true).sampleShuffle(100, 20).build());
        int b2 = 0;
        try (WorkerStream s = plain.stream(0, 0, 1)) {
            for (int i = 0; i < total; i++) {
                if (s.next().key().startsWith("y-")) {
                    b2++;
                }
            }
        }
        assertEquals(0.5, b2 / (double) total, 0.05);
    }

    @Test
    void resampledStreamsAreDeterministicAndDifferPerWorkerAndEpoch() throws Exception {
        String data = shards("d", "s", 6, 10);
        WebDatasetConfig c = cfg(data).resampled(true).worldSize(2).workers(2).sampleShuffle(30, 5).build();
        WebDataset x = WebDataset.open(c);
        WebDataset y = WebDataset.open(c);
        try (WorkerStream p = x.stream(3, 1, 1); WorkerStream q = y.stream(3, 1, 1)) {
            assertEquals(keys(p.take(200)), keys(q.take(200)));
        }
        try (WorkerStream p = x.stream(3, 1, 0); WorkerStream q = x.stream(3, 1, 1)) {
            assertNotEquals(keys(p.take(100)), keys(q.take(100)));
        }
        try (WorkerStream p = x.stream(3, 0, 1); WorkerStream q = x.stream(3, 1, 1)) {
            assertNotEquals(keys(p.take(100)), keys(q.take(100)));
        }
        try (WorkerStream p = x.stream(3, 1, 1); WorkerStream q = x.stream(4, 1, 1)) {
            assertNotEquals(keys(p.take(100)), keys(q.take(100)));
        }
    }

    @Test
    void fewerShardsThanWorkersUsesFewerWorkersInsteadOfHanging() throws Exception {
        String data = shards("d", "s", 3, 10);
        WebDataset ds = WebDataset.open(cfg(data).workers(4).build());
        assertEquals(3, ds.plan().numWorkers());
        assertEquals(4, ds.plan().requestedWorkers());
        // 30 samples, batch 4: ceil(30/4) = 8 batches; ceil(8/3) = 3 per worker; 9 batches; 36 samples
        assertEquals(3, ds.plan().numWorkerBatches());
        assertEquals(36, ds.plan().numSamples());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int w = 0; w < 3; w++) {
                try (WorkerStream s = ds.stream(0, 0, w)) {
                    s.take((int) (ds.plan().numWorkerBatches() * 4)); // more than its 10 samples: starts over
                }
            }
        });
        assertThrows(IllegalArgumentException.class, () -> ds.stream(0, 0, 3));

        WebDataset twoRanks = WebDataset.open(cfg(data).worldSize(2).workers(4).build());
        assertEquals(1, twoRanks.plan().numWorkers());
        var e = assertThrows(WebDatasetException.class, () -> WebDataset.open(cfg(data).worldSize(4).build()));
        assertTrue(e.getMessage().contains("--dataset-resampled"), e.getMessage());
        // resampled: no such limit
        assertEquals(4, WebDataset.open(cfg(data).worldSize(4).workers(4).resampled(true).build()).plan().numWorkers());
    }

    @Test
    void damagedShardsAreSkippedAndTheStreamGoesOn() throws Exception {
        Path dir = tmp.resolve("d");
        Tars.shard(dir.resolve("a.tar"), "a-", 10);
        byte[] full = Tars.create().sample("b-0", "x").sample("b-1", "y").sample("b-2", "z").bytes();
        Files.write(dir.resolve("b.tar"), Arrays.copyOf(full, 512 * 5 + 3)); // inside b-1's image data
        Tars.shard(dir.resolve("c.tar"), "c-", 10);
        WebDataset ds = WebDataset.open(cfg(dir + "/{a,b,c}.tar").workers(1).trainNumSamples(23L).sampleShuffle(1, 0).build());
        try (WorkerStream s = ds.stream(0, 0, 0)) {
            List<String> got = keys(s.take(21));
            assertEquals(21, new HashSet<>(got).size());
            assertTrue(got.contains("b-0"));
            assertTrue(got.stream().noneMatch(k -> k.equals("b-1") || k.equals("b-2")));
        }
        WebDatasetStats.Snapshot st = ds.stats().snapshot();
        assertEquals(1, st.shardsFailed());
        assertEquals(1, st.skipped(SkipReason.TRUNCATED));
    }

    @Test
    void aWorkerWhoseShardsHoldNothingFailsInsteadOfHanging() throws Exception {
        Path dir = tmp.resolve("d");
        Tars.shard(dir.resolve("good.tar"), "g-", 5);
        byte[] junk = new byte[4096];
        new Random(3).nextBytes(junk);
        Files.write(dir.resolve("junk.tar"), junk);
        WebDataset ds = WebDataset.open(cfg(dir + "/{good,junk}.tar").workers(2).trainNumSamples(10L).build());
        int failing = ds.shardsFor(0, 0, 0).get(0).name().equals("junk.tar") ? 0 : 1;
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (WorkerStream ok = ds.stream(0, 0, 1 - failing)) {
                ok.take(50);
            }
            try (WorkerStream bad = ds.stream(0, 0, failing)) {
                var e = assertThrows(WebDatasetException.class, bad::next);
                assertTrue(e.getMessage().contains("no usable sample"), e.getMessage());
            }
        });

        // resampled: eight junk shards (weight 1) and a good one that is never drawn (weight 0)
        Path r = Files.createDirectories(tmp.resolve("r"));
        for (int i = 0; i < 8; i++) {
            Files.write(r.resolve(String.format("j%d.tar", i)), junk);
        }
        Tars.shard(r.resolve("g.tar"), "g-", 5);
        WebDataset rs = WebDataset.open(cfg(r + "/j{0..7}.tar::" + r + "/g.tar").resampled(true)
                .upsamplingFactors("1::0").trainNumSamples(10L).build());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (WorkerStream bad = rs.stream(0, 0, 0)) {
                var e = assertThrows(WebDatasetException.class, bad::next);
                assertTrue(e.getMessage().contains("drew every one of the 8 shards"), e.getMessage());
            }
        });
    }

    @Test
    void statsAreSharedAcrossWorkerThreads() throws Exception {
        String data = shards("d", "s", 4, 50);
        WebDataset ds = WebDataset.open(cfg(data).workers(4).build());
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int worker = w;
            threads.add(Thread.ofPlatform().start(() -> {
                try (WorkerStream s = ds.stream(0, 0, worker)) {
                    s.take(50);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        WebDatasetStats.Snapshot s = ds.stats().snapshot();
        assertEquals(200, s.samplesYielded());
        assertEquals(4, s.shardsCompleted());
        assertTrue(ds.stats().summary().contains("200 samples yielded"), ds.stats().summary());
    }
}
