package org.lcl.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.BatchTensors;
import org.lcl.models.data.loader.TrainBatch;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.loss.FeatureGather;
import org.lcl.models.loss.LclLoss;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.models.train.TrainFixtures.Recorder;
import org.lcl.models.train.data.SyntheticData;
import org.lcl.models.train.dist.BucketedAllReduce;
import org.lcl.models.train.dist.C10dFeatureGather;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.ProcessGroup;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * Issue 6's equivalence set-up, shared by the thread-rank and the two-process tests: two ranks
 * with batch B each against one process with batch 2B holding the same rows in the same order,
 * fp32, no dropout, 5 AdamW steps. Every row is text-first with a one-token number, so each half
 * holds the same number of pairs and of generation targets (then the mean of the ranks' losses
 * is the whole batch's loss). Rank 1 starts from other weights: the broadcast from rank 0 must
 * fix them.
 */
final class DataParallelFixtures {

    static final int B = 2;
    static final int STEPS = 5;
    private static final Object SEEDING = new Object();

    private DataParallelFixtures() {}

    /** One run's per-step totals, final parameters and gradient exchanges. */
    record Run(List<Double> totals, Map<String, float[]> params, int syncs) {

        void write(Path file) throws IOException {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
                out.writeInt(syncs);
                out.writeInt(totals.size());
                for (double t : totals) {
                    out.writeDouble(t);
                }
                out.writeInt(params.size());
                for (var e : params.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeInt(e.getValue().length);
                    for (float v : e.getValue()) {
                        out.writeFloat(v);
                    }
                }
            }
        }

        static Run read(Path file) throws IOException {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                int syncs = in.readInt();
                List<Double> totals = new ArrayList<>();
                for (int i = in.readInt(); i > 0; i--) {
                    totals.add(in.readDouble());
                }
                Map<String, float[]> params = new LinkedHashMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    String name = in.readUTF();
                    float[] v = new float[in.readInt()];
                    for (int j = 0; j < v.length; j++) {
                        v[j] = in.readFloat();
                    }
                    params.put(name, v);
                }
                return new Run(totals, params, syncs);
            }
        }
    }

    static ImageTextModel model(long seed) {
        synchronized (SEEDING) {
            Torch.manualSeed(seed);
            return Models.create(TrainFixtures.MODEL, Device.CPU, DType.FLOAT32);
        }
    }

    /** Batch i of the whole run: 2B text-first rows, its own images. */
    private static BatchTensors whole(int i) {
        SyntheticData d = new SyntheticData(new InterleavedWrapper(Tokenizers.create("gpt2", null), 16, 4, 0.0), 2 * B, 2 * B, 32, 100 + i);
        try (BatchSource src = d.open(0); TrainBatch b = src.next()) {
            BatchTensors t = b.toTensors(Device.CPU);
            return new BatchTensors(t.images().moveOut(), t.ids().moveOut());
        }
    }

    /** Rank r's rows of every batch (rank -1: all of them). */
    static List<BatchTensors> batches(int rank, int count) {
        List<BatchTensors> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BatchTensors w = whole(i);
            out.add(rank < 0 ? w : new BatchTensors(w.images().narrow(0, (long) rank * B, B), w.ids().narrow(0, (long) rank * B, B)));
        }
        return out;
    }

    static Map<String, float[]> values(ImageTextModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, v) -> out.put(k, v.contiguous().toFloatArray()));
        return out;
    }

    static RunFolder folder(Path logs, String name) {
        RunFolder f = RunFolder.of(logs, name);
        f.create(false);
        return f;
    }

    /** The reference: one process, batch 2B, seed 5. */
    static Run trainOneProcess(Path dir, int accum) {
        int count = STEPS * accum;
        Recorder rs = new Recorder();
        try (ImageTextModel m = model(5);
             Trainer t = new Trainer(TrainFixtures.config(dir, "one", 1, 2 * B, 2L * B * count, 3e-4, accum, Precision.FP32), m,
                     new LclObjective(new LclLoss(0.1, 1.0)), TrainFixtures.batches(batches(-1, count), 2L * B * count),
                     folder(dir, "one"), rs)) {
            t.trainOneEpoch(0);
            return new Run(rs.totals(), values(m), 0);
        }
    }

    /** One rank's run in group pg (seed 5 on rank 0, 99 elsewhere), counting gradient exchanges. */
    static Run trainRank(ProcessGroup pg, Path dir, int accum) {
        int count = STEPS * accum;
        Recorder rec = new Recorder();
        AtomicInteger syncs = new AtomicInteger();
        BucketedAllReduce all = new BucketedAllReduce(pg, 4096); // small buckets: several collectives per step
        DataParallel counting = new DataParallel() {
            public int rank() { return all.rank(); }
            public int worldSize() { return all.worldSize(); }
            public void broadcastFromRankZero(List<Tensor> ts) { all.broadcastFromRankZero(ts); }
            public boolean anyRank(boolean f) { return all.anyRank(f); }
            public void beforeFinalBackward(List<Tensor> ps) { all.beforeFinalBackward(ps); }
            public List<Integer> averageGradients(List<Tensor> ps) {
                syncs.incrementAndGet();
                return all.averageGradients(ps);
            }
        };
        FeatureGather gather = new C10dFeatureGather(pg, Device.CPU);
        String name = "rank" + pg.rank();
        try (ImageTextModel m = model(pg.rank() == 0 ? 5 : 99);
             Trainer t = new Trainer(TrainFixtures.config(dir, name, 1, B, 2L * B * count, 3e-4, accum, Precision.FP32), m,
                     new LclObjective(new LclLoss(0.1, 1.0, gather, true)), TrainFixtures.batches(batches(pg.rank(), count),
                     2L * B * count), folder(dir, name), rec, counting)) {
            t.trainOneEpoch(0);
            return new Run(rec.totals(), values(m), syncs.get());
        }
    }

    /**
     * Asserts issue 6's equivalence of two ranks to one process: one exchange per step, the mean
     * of the ranks' losses equal to the single loss within 1e-5 each step, identical parameters
     * on both ranks and within 1e-5 of the single process's. Prints the largest
     * parameter difference to the single process under label.
     */
    static void assertEquivalent(String label, Run single, List<Run> ranks) {
        assertEquals(STEPS, single.totals().size());
        for (Run r : ranks) {
            assertEquals(STEPS, r.syncs(), "one gradient exchange per optimiser step, none per micro-batch");
            assertEquals(STEPS, r.totals().size());
        }
        for (int i = 0; i < STEPS; i++) {
            double mean = (ranks.get(0).totals().get(i) + ranks.get(1).totals().get(i)) / 2;
            assertEquals(single.totals().get(i), mean, 1e-5, "loss of step " + i);
        }
        assertTrue(Math.abs(single.totals().get(0) - single.totals().get(STEPS - 1)) > 1e-4, "training changed nothing");
        assertEquals(single.params().keySet(), ranks.get(0).params().keySet());
        assertEquals(single.params().keySet(), ranks.get(1).params().keySet());
        double worst = 0;
        for (var e : single.params().entrySet()) {
            float[] one = e.getValue();
            float[] r0 = ranks.get(0).params().get(e.getKey());
            float[] r1 = ranks.get(1).params().get(e.getKey());
            assertEquals(one.length, r0.length, e.getKey());
            assertEquals(one.length, r1.length, e.getKey());
            for (int j = 0; j < one.length; j++) {
                assertEquals(r0[j], r1[j], 0f, e.getKey() + ": the ranks' parameters diverged");
                worst = Math.max(worst, Math.abs(one[j] - r0[j]));
            }
        }
        System.out.printf("%s: largest parameter difference to one process %.3g%n", label, worst);
        assertTrue(worst <= 1e-5, "parameters differ from one process by " + worst);
    }
}
