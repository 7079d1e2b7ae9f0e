package org.lcl.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.lcl.dsl.optim.AdamW;
import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.BatchTensors;
import org.lcl.models.data.loader.TrainBatch;
import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.Autocast;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * OpenCLIP's training loop for one process: per optimiser step the schedule, zero grads, the
 * forward under autocast, the loss, backward (scaled under fp16 AMP), optional unscale and
 * gradient clipping, the AdamW step and the logit-scale clamp; {@code --accum-freq k} with
 * OpenCLIP's semantics (features of k micro-batches cached without grad, then each recomputed
 * with grad and the loss taken over the concatenation). Every step runs in its own
 * {@link Scope}, so native memory is the same after each step. Checkpoints as OpenCLIP's
 * {@code {"epoch", "name", "state_dict", "optimizer"[, "scaler"]}}, written atomically.
 *
 * <p>A non-finite loss (or, under loss scaling, non-finite gradients) skips the step and is
 * counted; {@code maxNonFiniteSteps} consecutive ones stop the run with a message.
 */
public final class Trainer implements AutoCloseable {

    private final TrainConfig cfg;
    private final ImageTextModel model;
    private final Objective objective;
    private final TrainData data;
    private final RunFolder folder;
    private final TrainListener listener;
    private final AdamW optimizer;
    private final List<Tensor> params;
    private final GradScaler scaler;
    private final LrSchedule schedule;
    private final long stepsPerEpoch;
    private final Device device;
    private final DType inputDtype;
    private final DType autocastDtype;
    private final DataParallel dp;
    private boolean unusedReported;
    private int startEpoch;
    private long nonFiniteSteps;
    private int consecutiveNonFinite;

    public Trainer(TrainConfig cfg, ImageTextModel model, Objective objective, TrainData data, RunFolder folder,
                   TrainListener listener) {
        this(cfg, model, objective, data, folder, listener, DataParallel.none());
    }

    /**
     * One rank of a data-parallel run: rank 0's parameters and buffers are broadcast now, the
     * gradients averaged over the ranks before every optimiser step (once per step, after the
     * last micro-batch of --accum-freq), non-finite losses skipped on every rank alike, and only
     * rank 0 writes checkpoints.
     */
    public Trainer(TrainConfig cfg, ImageTextModel model, Objective objective, TrainData data, RunFolder folder,
                   TrainListener listener, DataParallel dp) {
        this.dp = Objects.requireNonNull(dp, "dp");
        this.cfg = Objects.requireNonNull(cfg, "cfg");
        this.model = Objects.requireNonNull(model, "model");
        this.objective = Objects.requireNonNull(objective, "objective");
        this.data = Objects.requireNonNull(data, "data");
        this.folder = Objects.requireNonNull(folder, "folder");
        this.listener = listener == null ? new TrainListener() { } : listener;
        TrainConfig.OptimOptions o = cfg.optim();
        this.device = cfg.device();
        this.optimizer = new AdamW(ParamGroups.openClip(model, o.wd()), o.lr(), o.beta1(), o.beta2(), o.eps());
        this.params = optimizer.groups().stream().flatMap(g -> g.params().stream()).toList();
        Precision p = o.precision();
        this.scaler = p.lossScaling() ? new GradScaler() : null;
        this.inputDtype = p.modelDtype();
        // libtorch 1.13's CPU autocast knows bfloat16 only; fp16 AMP on CPU runs in fp32 (with the
        // scaler), as PyTorch's CUDA autocast does on a machine without CUDA.
        this.autocastDtype = p.autocastDtype() == DType.FLOAT16 && device.type() == Device.Type.CPU ? null : p.autocastDtype();
        long batches = data.numBatches();
        this.stepsPerEpoch = batches / o.accumFreq();
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("an epoch of " + batches + " batches holds no optimiser step with --accum-freq "
                    + o.accumFreq());
        }
        long total = stepsPerEpoch * o.epochs();
        this.schedule = LrSchedule.of(o.lrScheduler(), o.lr(), o.warmup(), total, stepsPerEpoch * o.epochsCooldown(),
                o.lrCooldownPower(), o.lrCooldownEnd());
        if (o.gradCheckpointing()) {
            model.setGradCheckpointing(true);
        }
        dp.broadcastFromRankZero(new ArrayList<>(model.stateDict().values()));
        if (p.autocastDtype() == DType.FLOAT16 && device.type() == Device.Type.CPU) {
            this.listener.warning("--precision amp on CPU: fp16 autocast is CUDA-only in libtorch 1.13, so the forward runs in fp32 "
                    + "(the loss scaler still runs)");
        }
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public GradScaler scaler() {
        return scaler;
    }

    public LrSchedule schedule() {
        return schedule;
    }

    /** Optimiser steps per epoch: batches // accum_freq. */
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The epoch training starts (or resumes) at. */
    public int startEpoch() {
        return startEpoch;
    }

    public long nonFiniteSteps() {
        return nonFiniteSteps;
    }

    /**
     * Restores a checkpoint written by {@link #saveCheckpoints}: model, optimiser, scaler and the
     * epoch to start at (the schedule position follows from it). A file without "epoch" is a
     * bare state dict: weights only, start at epoch 0 (as OpenCLIP).
     */
    public void resume(Path checkpoint) throws IOException {
        Checkpoints.Contents c = Checkpoints.read(checkpoint);
        Checkpoints.loadInto(model, c.weights(), checkpoint.toString(), true);
        if (!(c.entries().get("epoch") instanceof Number epoch)) {
            startEpoch = 0;
            listener.info("=> loaded weights from " + checkpoint + " (no 'epoch': a bare state dict)");
            return;
        }
        if (c.entries().get("optimizer") instanceof Map<?, ?> opt) {
            optimizer.loadStateDict(opt);
        } else {
            throw new IllegalArgumentException(checkpoint + ": a training checkpoint without an 'optimizer' entry cannot be resumed");
        }
        if (scaler != null && c.entries().get("scaler") instanceof Map<?, ?> sc) {
            scaler.loadStateDict(sc);
        }
        startEpoch = epoch.intValue();
        listener.info("=> resuming checkpoint '" + checkpoint + "' (epoch " + startEpoch + ")");
    }

    /** Trains from {@link #startEpoch()} to the configured number of epochs, checkpointing after each. */
    public void fit() {
        for (int epoch = startEpoch; epoch < cfg.optim().epochs(); epoch++) {
            trainOneEpoch(epoch);
            int completed = epoch + 1;
            listener.onEpochEnd(completed, dp.rank() == 0 ? saveCheckpoints(completed) : List.of());
        }
    }

    /** One epoch of optimiser steps. */
    public void trainOneEpoch(int epoch) {
        model.train(true);
        int accum = cfg.optim().accumFreq();
        try (BatchSource source = data.open(epoch)) {
            long offset = stepsPerEpoch * epoch;
            long end = System.nanoTime();
            for (long i = 0; i < stepsPerEpoch; i++) {
                long step = offset + i;
                double lr = schedule.lr(step);
                optimizer.setLr(lr);
                long start = end;
                StepResult r = accum == 1 ? singleStep(source) : accumulatedStep(source, accum);
                end = System.nanoTime();
                long samples = (long) cfg.data().batchSize() * accum;
                listener.onStep(new StepReport(epoch, i + 1, stepsPerEpoch, step, samples, data.numSamples(),
                        r.dataNanos / 1e9, (end - start) / 1e9, lr, logitScaleValue(), r.losses, r.total, r.stepped,
                        source.skipped(), nonFiniteSteps, scaler == null ? 0 : scaler.scale()));
            }
        }
    }

    private record StepResult(Map<String, Double> losses, double total, boolean stepped, long dataNanos) {
    }

    private StepResult singleStep(BatchSource source) {
        try (Scope s = Scope.open()) {
            long t0 = System.nanoTime();
            BatchTensors batch = fetch(source);
            long dataNanos = System.nanoTime() - t0;
            optimizer.zeroGrad();
            Losses losses;
            try (Autocast a = autocast()) {
                ModelOutputs out = objective.forward(model, batch.images(), batch.ids());
                losses = objective.loss(out);
            }
            Map<String, Double> values = values(losses);
            double total = losses.total().item();
            if (dp.anyRank(!Double.isFinite(total))) {
                return nonFinite(values, total, dataNanos, "loss");
            }
            dp.beforeFinalBackward(params);
            backward(losses.total());
            averageGradients();
            return new StepResult(values, total, optimizerStep(values, total), dataNanos);
        }
    }

    /** OpenCLIP's accumulation: k no-grad forwards cached, then k forwards with grad over the concatenated features. */
    private StepResult accumulatedStep(BatchSource source, int accum) {
        try (Scope s = Scope.open()) {
            long dataNanos = 0;
            List<BatchTensors> batches = new ArrayList<>(accum);
            List<ModelOutputs> cached = new ArrayList<>(accum);
            for (int j = 0; j < accum; j++) {
                long t0 = System.nanoTime();
                BatchTensors b = fetch(source);
                dataNanos += System.nanoTime() - t0;
                batches.add(b);
                try (GradMode g = GradMode.noGrad(); Autocast a = autocast()) {
                    cached.add(objective.forward(model, b.images(), b.ids()));
                }
            }
            optimizer.zeroGrad();
            Map<String, Double> values = null;
            double total = 0;
            for (int j = 0; j < accum; j++) {
                try (Scope micro = Scope.open()) {
                    Losses losses;
                    try (Autocast a = autocast()) {
                        ModelOutputs out = objective.forward(model, batches.get(j).images(), batches.get(j).ids());
                        losses = objective.loss(out.withCached(cached, j));
                    }
                    if (j == 0) {
                        values = values(losses);
                        total = losses.total().item();
                        if (dp.anyRank(!Double.isFinite(total))) {
                            return nonFinite(values, total, dataNanos, "loss");
                        }
                    }
                    if (j == accum - 1) {
                        dp.beforeFinalBackward(params);
                    }
                    backward(losses.total());
                }
            }
            averageGradients();
            return new StepResult(values, total, optimizerStep(values, total), dataNanos);
        }
    }

    private BatchTensors fetch(BatchSource source) {
        if (!source.hasNext()) {
            throw new IllegalStateException("the data source ran out after fewer batches than its epoch promised");
        }
        try (TrainBatch b = source.next()) {
            BatchTensors t = b.toTensors(device);
            Tensor images = t.images() == null || t.images().dtype() == inputDtype ? t.images() : t.images().to(inputDtype);
            return new BatchTensors(images, t.ids());
        }
    }

    private Autocast autocast() {
        return autocastDtype == null ? null : Autocast.enable(device.type(), autocastDtype);
    }

    private void backward(Tensor total) {
        (scaler != null ? scaler.scale(total) : total).backward();
    }

    /** Across ranks (nothing in one process); reports parameters no rank's graph used, once. */
    private void averageGradients() {
        List<Integer> unused = dp.averageGradients(params);
        if (!unused.isEmpty() && !unusedReported) {
            unusedReported = true;
            Map<Tensor, String> names = new java.util.IdentityHashMap<>();
            model.namedParameters().forEach((k, v) -> names.put(v, k));
            List<String> which = unused.stream().map(i -> names.getOrDefault(params.get(i), "#" + i)).toList();
            listener.warning(which.size() + " parameter(s) received no gradient on any rank and are not updated: " + which);
        }
    }

    /** Clip, step (unless the scaler finds inf/NaN gradients), clamp logit_scale. */
    private boolean optimizerStep(Map<String, Double> values, double total) {
        Double clip = cfg.optim().gradClipNorm();
        boolean stepped;
        if (scaler != null) {
            if (clip != null) {
                scaler.unscale_(params);
                Gradients.clipGradNorm_(params, clip);
            }
            stepped = scaler.step(optimizer, params);
            scaler.update();
        } else {
            if (clip != null) {
                Gradients.clipGradNorm_(params, clip);
            }
            optimizer.step();
            stepped = true;
        }
        if (stepped) {
            consecutiveNonFinite = 0;
            model.clampLogitScale();
        } else {
            countNonFinite("gradients (loss scale now " + scaler.scale() + ")", total);
        }
        return stepped;
    }

    private StepResult nonFinite(Map<String, Double> values, double total, long dataNanos, String what) {
        optimizer.zeroGrad();
        countNonFinite(what, total);
        return new StepResult(values, total, false, dataNanos);
    }

    private void countNonFinite(String what, double total) {
        nonFiniteSteps++;
        consecutiveNonFinite++;
        int max = cfg.optim().maxNonFiniteSteps();
        listener.warning("non-finite " + what + " (loss " + total + "): step skipped (" + consecutiveNonFinite
                + " in a row, " + nonFiniteSteps + " in the run)");
        if (consecutiveNonFinite >= max) {
            throw new NonFiniteLossException(consecutiveNonFinite + " consecutive steps had a non-finite " + what
                    + " (limit --max-nonfinite-steps " + max + "); the last loss was " + total
                    + ". Lower --lr, add --grad-clip-norm, or check the data");
        }
    }

    private static Map<String, Double> values(Losses losses) {
        Map<String, Double> v = new LinkedHashMap<>();
        losses.terms().forEach((k, t) -> v.put(k, t.item()));
        return v;
    }

    private double logitScaleValue() {
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            return model.logitScale().exp().item();
        }
    }

    /**
     * Writes the checkpoints of a completed epoch as OpenCLIP: epoch_N.pt when N is the last
     * epoch or a multiple of --save-frequency, removes epoch_{N-1}.pt with
     * --delete-previous-checkpoint, and epoch_latest.pt with --save-most-recent. Returns the
     * files written.
     */
    public List<Path> saveCheckpoints(int completedEpoch) {
        TrainConfig.RunOptions run = cfg.run();
        Map<String, Object> dict = new LinkedHashMap<>();
        dict.put("epoch", (long) completedEpoch);
        dict.put("name", run.name());
        dict.put("state_dict", model.stateDict());
        dict.put("optimizer", optimizer.stateDict());
        if (scaler != null) {
            dict.put("scaler", scaler.stateDict());
        }
        List<Path> written = new ArrayList<>();
        try {
            if (completedEpoch == cfg.optim().epochs() || (run.saveFrequency() > 0 && completedEpoch % run.saveFrequency() == 0)) {
                Path f = folder.epochCheckpoint(completedEpoch);
                Torch.save(dict, f);
                written.add(f);
            }
            if (run.deletePreviousCheckpoint()) {
                Files.deleteIfExists(folder.epochCheckpoint(completedEpoch - 1));
            }
            if (run.saveMostRecent()) {
                Torch.save(dict, folder.latestCheckpoint());
                written.add(folder.latestCheckpoint());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a checkpoint in " + folder.checkpoints(), e);
        }
        return written;
    }

    /** Frees the optimiser state (the model belongs to the caller). */
    @Override
    public void close() {
        optimizer.close();
    }
}
