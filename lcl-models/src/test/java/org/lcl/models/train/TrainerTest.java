package org.lcl.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.BatchTensors;
import org.lcl.models.data.loader.TrainBatch;
import org.lcl.models.loss.LclLoss;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.models.train.TrainFixtures.Recorder;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

class TrainerTest {

    private static ImageTextModel model(long seed) {
        Torch.manualSeed(seed);
        return Models.create(TrainFixtures.MODEL, Device.CPU, DType.FLOAT32);
    }

    private static RunFolder folder(Path logs, String name) {
        RunFolder f = RunFolder.of(logs, name);
        f.create(false);
        return f;
    }

    private static Objective lcl() {
        return new LclObjective(new LclLoss());
    }

    @Test
    void lossFallsAndCheckpointsAreWritten(@TempDir Path dir) throws Exception {
        TrainConfig cfg = TrainFixtures.config(dir, "run", 1, 4, 4 * 40, 2e-3, 1, Precision.FP32);
        Recorder rec = new Recorder();
        RunFolder f = folder(dir, "run");
        try (ImageTextModel m = model(0);
             Trainer t = new Trainer(cfg, m, lcl(), TrainFixtures.synthetic(4, 160, 0), f, rec)) {
            t.fit();
        }
        List<Double> totals = rec.totals();
        assertEquals(40, totals.size());
        double last = totals.subList(35, 40).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < 0.7 * totals.get(0), "loss did not fall: " + totals.get(0) + " -> " + last);
        StepReport first = rec.steps.get(0);
        assertEquals(List.of("contrastive_loss", "caption_loss"), List.copyOf(first.losses().keySet()));
        assertEquals(first.total(), first.losses().get("contrastive_loss") + first.losses().get("caption_loss"), 1e-5,
                "the total is the sum of the (weighted) terms");
        assertTrue(Files.isRegularFile(f.epochCheckpoint(1)));
        assertTrue(Files.isRegularFile(f.latestCheckpoint()));
        // The schedule: warmup 2 from lr 2e-3, then cosine.
        assertEquals(1e-3, rec.steps.get(0).lr(), 1e-12);
        assertEquals(2e-3, rec.steps.get(1).lr(), 1e-12);
        assertTrue(rec.steps.get(39).lr() < 1e-4);
        // logit_scale stays within [1, 100] (the clamp of ln s to [0, ln 100]).
        rec.steps.forEach(s -> assertTrue(s.logitScale() >= 1 && s.logitScale() <= 100 + 1e-9));
    }

    @Test
    void resumingAtAnEpochBoundaryReproducesTheUninterruptedRun(@TempDir Path dir) throws Exception {
        TrainConfig cfg = TrainFixtures.config(dir, "full", 2, 4, 4 * 6, 1e-3, 1, Precision.FP32);
        Recorder full = new Recorder();
        RunFolder f = folder(dir, "full");
        try (ImageTextModel m = model(0);
             Trainer t = new Trainer(cfg, m, lcl(), TrainFixtures.synthetic(4, 24, 0), f, full)) {
            t.fit();
        }
        assertEquals(12, full.steps.size());
        Recorder resumed = new Recorder();
        RunFolder g = folder(dir, "resumed");
        try (ImageTextModel m = model(99);   // different init: everything must come from the checkpoint
             Trainer t = new Trainer(cfg, m, lcl(), TrainFixtures.synthetic(4, 24, 0), g, resumed)) {
            t.resume(f.epochCheckpoint(1));
            assertEquals(1, t.startEpoch());
            t.fit();
        }
        assertEquals(6, resumed.steps.size());
        for (int i = 0; i < 6; i++) {
            StepReport a = full.steps.get(6 + i);
            StepReport b = resumed.steps.get(i);
            assertEquals(a.step(), b.step());
            assertEquals(a.lr(), b.lr(), 0.0);
            assertEquals(a.total(), b.total(), 0.0, "step " + a.step());
            assertEquals(a.losses(), b.losses());
        }
    }

    @Test
    void accumulationEqualsOneBatchOfTheConcatenation(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            BatchTensors b1 = first(TrainFixtures.synthetic(4, 4, 1));
            BatchTensors b2 = first(TrainFixtures.synthetic(4, 4, 2));
            BatchTensors both = new BatchTensors(Torch.cat(List.of(b1.images(), b2.images()), 0), Torch.cat(List.of(b1.ids(), b2.ids()), 0));
            Map<String, Tensor> accumulated;
            Map<String, Tensor> whole;
            Recorder ra = new Recorder();
            Recorder rw = new Recorder();
            try (ImageTextModel a = model(5); ImageTextModel w = model(5);
                 Trainer ta = new Trainer(TrainFixtures.config(dir, "a", 1, 4, 8, 1e-3, 2, Precision.FP32), a, lcl(),
                         TrainFixtures.batches(List.of(b1, b2), 8), folder(dir, "a"), ra);
                 Trainer tw = new Trainer(TrainFixtures.config(dir, "w", 1, 8, 8, 1e-3, 1, Precision.FP32), w, lcl(),
                         TrainFixtures.batches(List.of(both), 8), folder(dir, "w"), rw)) {
                ta.trainOneEpoch(0);
                tw.trainOneEpoch(0);
                accumulated = a.namedParameters();
                whole = w.namedParameters();
                assertEquals(rw.steps.get(0).total(), ra.steps.get(0).total(), 1e-5);
                boolean moved = false;
                // The gradients (still on the parameters after the step) agree up to float summation order,
                // except logit_scale's: every micro-batch's loss uses its own forward's scale, so (as in
                // OpenCLIP) its gradient is accum_freq times the whole batch's.
                for (var e : whole.entrySet()) {
                    Tensor gw = e.getKey().equals("logit_scale") ? e.getValue().grad().mul(2.0) : e.getValue().grad();
                    Tensor ga = accumulated.get(e.getKey()).grad();
                    double scale = gw.abs().max().item();
                    double diff = ga.sub(gw).abs().max().item();
                    assertTrue(diff <= 1e-4 * scale + 1e-7, e.getKey() + ": gradients differ by " + diff + " (max |g| " + scale + ")");
                }
                try (ImageTextModel init = model(5)) {
                    for (var e : init.namedParameters().entrySet()) {
                        moved |= !e.getValue().allclose(whole.get(e.getKey()), 0, 0);
                    }
                }
                assertTrue(moved, "the step changed nothing");
            }
        }
    }

    private static BatchTensors first(TrainData d) {
        try (BatchSource src = d.open(0); TrainBatch b = src.next()) {
            BatchTensors t = b.toTensors(Device.CPU);
            return new BatchTensors(t.images().moveOut(), t.ids().moveOut());
        }
    }

    @Test
    void nonFiniteLossesAreSkippedThenStopTheRun(@TempDir Path dir) throws Exception {
        TrainConfig cfg = TrainFixtures.config(dir, "nan", 1, 4, 4 * 8, 1e-3, 1, Precision.FP32);
        Recorder rec = new Recorder();
        List<Integer> poisoned = List.of(1, 4, 5, 6, 7);
        Objective inner = lcl();
        Objective poison = new Objective() {
            int calls;

            @Override
            public ModelOutputs forward(ImageTextModel model, Tensor images, Tensor ids) {
                return inner.forward(model, images, ids);
            }

            @Override
            public Losses loss(ModelOutputs outputs) {
                Losses l = inner.loss(outputs);
                return poisoned.contains(calls++) ? new Losses(l.terms(), l.total().mul(Double.NaN)) : l;
            }
        };
        try (ImageTextModel m = model(0);
             Trainer t = new Trainer(cfg, m, poison, TrainFixtures.synthetic(4, 32, 0), folder(dir, "nan"), rec)) {
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::fit);
            assertTrue(e.getMessage().contains("3 consecutive"), e.getMessage());
            assertEquals(4, t.nonFiniteSteps());
        }
        assertTrue(rec.steps.get(0).stepped());
        assertFalse(rec.steps.get(1).stepped());
        assertTrue(rec.steps.get(2).stepped());
        assertEquals(1, rec.steps.get(1).nonFiniteSteps());
        assertEquals(4, rec.warnings.size());
    }

    @Test
    void nativeMemoryDoesNotGrowOverSteps(@TempDir Path dir) throws Exception {
        int steps = 600;
        TrainConfig cfg = TrainFixtures.config(dir, "mem", 1, 2, 2L * steps, 1e-4, 1, Precision.FP32);
        long[] rss = new long[steps];
        TrainListener probe = new TrainListener() {
            @Override
            public void onStep(StepReport r) {
                rss[(int) r.batchCount() - 1] = rssKb();
            }
        };
        try (ImageTextModel m = model(0);
             Trainer t = new Trainer(cfg, m, lcl(), TrainFixtures.synthetic(2, 2L * steps, 0), folder(dir, "mem"), probe)) {
            t.fit();
        }
        long warm = rss[99];
        long end = rss[steps - 1];
        System.out.printf("trainer RSS: step 100 %d MiB, step %d %d MiB%n", warm / 1024, steps, end / 1024);
        assertTrue(end - warm < 24 * 1024, "RSS grew by " + (end - warm) / 1024 + " MiB over " + (steps - 100) + " steps");
    }

    @Test
    void checkpointLoadsInPythonTorch(@TempDir Path dir) throws Exception {
        TrainConfig cfg = TrainFixtures.config(dir, "py", 1, 2, 4, 1e-3, 1, Precision.AMP);
        RunFolder f = folder(dir, "py");
        try (ImageTextModel m = model(0);
             Trainer t = new Trainer(cfg, m, lcl(), TrainFixtures.synthetic(2, 4, 0), f, new Recorder())) {
            t.fit();
        }
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            System.out.println("skipped: /usr/bin/python3 (python3-torch) is not installed");
            return;
        }
        Process p = new ProcessBuilder(python.toString(), "-c", String.join("\n",
                "import sys, torch",
                "d = torch.load(sys.argv[1], map_location='cpu')",
                "print(d['epoch'], d['name'], len(d['state_dict']), len(d['optimizer']['param_groups']), d['scaler']['scale'])"),
                f.epochCheckpoint(1).toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        if (out.contains("No module named 'torch'")) {
            System.out.println("skipped: python3-torch is not installed");
            return;
        }
        assertEquals(0, p.exitValue(), out);
        try (ImageTextModel m = model(0)) {
            assertEquals("1 py " + m.stateDict().size() + " 2 65536.0", out);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Precision.class, names = {"AMP_BF16", "PURE_BF16", "AMP"})
    void otherPrecisionsTrain(Precision precision, @TempDir Path dir) throws Exception {
        TrainConfig cfg = TrainFixtures.config(dir, "p", 1, 4, 4 * 12, 2e-3, 1, precision);
        Recorder rec = new Recorder();
        Torch.manualSeed(0);
        try (ImageTextModel m = Models.create(TrainFixtures.MODEL, Device.CPU, precision.modelDtype());
             Trainer t = new Trainer(cfg, m, lcl(), TrainFixtures.synthetic(4, 48, 0), folder(dir, "p"), rec)) {
            t.fit();
            assertEquals(precision.modelDtype(), m.namedParameters().get("visual.conv1.weight").dtype());
            assertEquals(precision == Precision.AMP, t.scaler() != null);
        }
        assertEquals(12, rec.steps.size());
        rec.steps.forEach(s -> assertTrue(Double.isFinite(s.total()) && s.stepped(), "step " + s.step() + ": " + s.total()));
        assertTrue(rec.totals().get(11) < rec.totals().get(0), precision + ": loss did not fall " + rec.totals());
        if (precision == Precision.AMP) {
            assertEquals(65536.0, rec.steps.get(0).lossScale());
        }
    }

    @Test
    void anExistingRunIsRefusedUnlessResuming(@TempDir Path dir) throws IOException {
        RunFolder f = folder(dir, "x");
        Files.writeString(f.outLog(), "log\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.create(false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        f.create(true);
        assertTrue(f.findLatestCheckpoint().isEmpty());
        Files.writeString(f.epochCheckpoint(2), "");
        Files.writeString(f.epochCheckpoint(10), "");
        assertEquals(f.epochCheckpoint(10), f.findLatestCheckpoint().orElseThrow());
        Files.writeString(f.latestCheckpoint(), "");
        assertEquals(f.latestCheckpoint(), f.findLatestCheckpoint().orElseThrow());
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        throw new IllegalStateException("no VmRSS");
    }

}
