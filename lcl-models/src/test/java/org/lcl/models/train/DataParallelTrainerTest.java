package org.lcl.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.models.train.DataParallelFixtures.B;
import static org.lcl.models.train.DataParallelFixtures.STEPS;
import static org.lcl.models.train.DataParallelFixtures.assertEquivalent;
import static org.lcl.models.train.DataParallelFixtures.batches;
import static org.lcl.models.train.DataParallelFixtures.folder;
import static org.lcl.models.train.DataParallelFixtures.model;
import static org.lcl.models.train.DataParallelFixtures.trainOneProcess;
import static org.lcl.models.train.DataParallelFixtures.trainRank;
import static org.lcl.models.train.DataParallelFixtures.values;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lcl.models.loss.FeatureGather;
import org.lcl.models.loss.LclLoss;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.train.DataParallelFixtures.Run;
import org.lcl.models.train.TrainFixtures.Recorder;
import org.lcl.models.train.dist.BucketedAllReduce;
import org.lcl.models.train.dist.C10dFeatureGather;
import org.lcl.models.train.dist.ThreadRanks;
import org.lcl.torch.Device;

/**
 * Issue 6's equivalence with two Gloo ranks as threads of this JVM (set-up in
 * {@link DataParallelFixtures}; TwoProcessTrainerTest does it with two OS processes), the
 * overlapped all-reduce, and native memory across ranks.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DataParallelTrainerTest {

    @ParameterizedTest(name = "accum-freq {0}")
    @ValueSource(ints = {1, 2})
    void twoRanksOfBEqualOneProcessOf2B(int accum, @TempDir Path dir) throws Exception {
        Run single = trainOneProcess(dir, accum);
        List<Run> ranks = ThreadRanks.run(2, pg -> trainRank(pg, dir, accum));
        assertEquivalent("thread ranks, accum " + accum, single, ranks);
    }

    private record Overlap(Map<String, float[]> params, long overlappedBuckets) {
    }

    private static List<Overlap> trainTwoRanks(Path dir, String tag, int accum, boolean overlap) throws Exception {
        int count = STEPS * accum;
        return ThreadRanks.run(2, pg -> {
            BucketedAllReduce all = new BucketedAllReduce(pg, 4096, overlap);
            FeatureGather gather = new C10dFeatureGather(pg, Device.CPU);
            String name = tag + pg.rank();
            try (ImageTextModel m = model(pg.rank() == 0 ? 5 : 99);
                 Trainer t = new Trainer(TrainFixtures.config(dir, name, 1, B, 2L * B * count, 3e-4, accum, Precision.FP32), m,
                         new LclObjective(new LclLoss(0.1, 1.0, gather, true)), TrainFixtures.batches(batches(pg.rank(), count),
                         2L * B * count), folder(dir, name), new Recorder(), all)) {
                t.trainOneEpoch(0);
                return new Overlap(values(m), all.overlappedBuckets());
            }
        });
    }

    /** Issue 6: all-reduce overlapped with backward (gradient hooks) changes no bit of the result. */
    @ParameterizedTest(name = "accum-freq {0}")
    @ValueSource(ints = {1, 2})
    void overlappedAllReduceEqualsTheSynchronousOne(int accum, @TempDir Path dir) throws Exception {
        List<Overlap> sync = trainTwoRanks(dir, "sync", accum, false);
        List<Overlap> overlapped = trainTwoRanks(dir, "overlap", accum, true);
        for (int r = 0; r < 2; r++) {
            assertEquals(0, sync.get(r).overlappedBuckets());
            // 4096-byte buckets: most of the model's parameters start their all-reduce inside backward
            assertTrue(overlapped.get(r).overlappedBuckets() >= 10L * STEPS,
                    "rank " + r + " overlapped only " + overlapped.get(r).overlappedBuckets() + " buckets");
            for (var e : sync.get(r).params().entrySet()) {
                float[] a = e.getValue();
                float[] b = overlapped.get(r).params().get(e.getKey());
                for (int j = 0; j < a.length; j++) {
                    assertEquals(Float.floatToIntBits(a[j]), Float.floatToIntBits(b[j]),
                            () -> e.getKey() + " differs between synchronous and overlapped all-reduce");
                }
            }
        }
    }

    /**
     * One scope per step across ranks too: two Gloo ranks (gather-with-grad, bucketed
     * all-reduce) for 300 steps, the process's RSS at step 300 within a bound of step 60's.
     */
    @org.junit.jupiter.api.Test
    void nativeMemoryDoesNotGrowOverStepsAcrossRanks(@TempDir Path dir) throws Exception {
        int steps = 300;
        long[][] rss = new long[2][steps];
        ThreadRanks.run(2, pg -> {
            BucketedAllReduce all = new BucketedAllReduce(pg, 25L << 20);
            FeatureGather gather = new C10dFeatureGather(pg, Device.CPU);
            String name = "mem" + pg.rank();
            TrainListener probe = new TrainListener() {
                @Override
                public void onStep(StepReport r) {
                    rss[pg.rank()][(int) r.batchCount() - 1] = TrainerTest.rssKb();
                }
            };
            try (ImageTextModel m = model(5);
                 Trainer t = new Trainer(TrainFixtures.config(dir, name, 1, B, 2L * B * steps, 1e-4, 1, Precision.FP32), m,
                         new LclObjective(new LclLoss(0.1, 1.0, gather, true)), TrainFixtures.synthetic(B, (long) B * steps, pg.rank()),
                         folder(dir, name), probe, all)) {
                t.trainOneEpoch(0);
            }
            return null;
        });
        long warm = rss[0][59];
        long end = rss[0][steps - 1];
        System.out.printf("two ranks RSS: step 60 %d MiB, step %d %d MiB%n", warm / 1024, steps, end / 1024);
        assertTrue(end - warm < 32 * 1024, "RSS grew by " + (end - warm) / 1024 + " MiB over " + (steps - 60) + " steps");
    }
}
