package org.lcl.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.data.webdataset.WebDataset;
import org.lcl.models.data.webdataset.WebDatasetConfig;
import org.lcl.models.loss.FeatureGather;
import org.lcl.models.loss.LclLoss;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.models.train.data.Mmc4Data;
import org.lcl.models.train.data.SyntheticData;
import org.lcl.models.train.data.WebDatasetData;
import org.lcl.models.train.dist.BucketedAllReduce;
import org.lcl.models.train.dist.DistEnv;
import org.lcl.models.train.dist.Distributed;
import org.lcl.models.train.log.LossPlot;
import org.lcl.models.train.log.MetricsJsonl;
import org.lcl.models.train.log.ParamsFile;
import org.lcl.models.train.log.ProgressBar;
import org.lcl.models.train.log.RunLog;
import org.lcl.torch.Device;
import org.lcl.torch.Torch;

/**
 * One training run as OpenCLIP's main(): the run folder (refused if it exists unless resuming
 * latest), out.log and params.txt, the seed, the model (optionally --pretrained), the data, the
 * trainer, --resume, the epochs, and at the end the loss plot. This is what {@code lcl train}
 * calls; the demo goes through it too.
 */
public final class TrainRun {

    /** How a run ended: its folder, the last checkpoint written (or null), the plot (or null) and the exit code. */
    public record Result(RunFolder folder, Path lastCheckpoint, Path lossPlot, long nonFiniteSteps, int exitCode) {
    }

    private TrainRun() {}

    /** c10d's default collective timeout (torch.distributed's 30 minutes). */
    public static final Duration DEFAULT_DIST_TIMEOUT = Duration.ofMinutes(30);

    /**
     * Runs the training as this process's environment says (torchrun or SLURM variables: one rank
     * of a c10d run; else a single process); params are the flags for params.txt. Errors before
     * training starts throw; failures during it are logged and give exit code 1.
     */
    public static Result run(TrainConfig cfg, Map<String, ?> params) {
        return run(cfg, params, DistEnv.from(System.getenv()), DEFAULT_DIST_TIMEOUT);
    }

    /** One rank of env's run (or a single process), collectives giving up after distTimeout. */
    public static Result run(TrainConfig cfg, Map<String, ?> params, DistEnv env, Duration distTimeout) {
        if (!env.distributed()) {
            return run(cfg, params, null);
        }
        Device device = Distributed.workerDevice(cfg.device(), env.localRank());
        TrainConfig c = new TrainConfig(cfg.model(), cfg.data(), cfg.optim(), cfg.run(), device, cfg.seed());
        try (Distributed dist = Distributed.init(env, device, distTimeout)) {
            return run(c, params, dist);
        }
    }

    private static Result run(TrainConfig cfg, Map<String, ?> params, Distributed dist) {
        ModelConfig modelCfg = ModelConfigs.resolve(cfg.model());
        RunFolder folder = RunFolder.of(cfg.run().logs(), cfg.run().name());
        boolean resumeLatest = "latest".equals(cfg.run().resume());
        int rank = dist == null ? 0 : dist.env().rank();
        int world = dist == null ? 1 : dist.env().worldSize();
        // Only rank 0 speaks: the others log to a scratch folder, removed at the end.
        Path scratch = rank == 0 ? null : scratch(rank);
        if (rank == 0) {
            folder.create(resumeLatest);
        }
        try (RunLog log = rank == 0
                ? RunLog.open(folder.outLog(), System.out, cfg.run().progressBar() && ProgressBar.stdoutIsTerminal(),
                        java.time.Clock.systemDefaultZone())
                : RunLog.open(scratch.resolve("out.log"), new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false,
                        java.time.Clock.systemDefaultZone());
             MetricsJsonl metrics = MetricsJsonl.open(rank == 0 ? folder.metrics() : scratch.resolve("metrics.jsonl"))) {
            Optional<Path> resumeFrom;
            if (rank == 0) {
                ParamsFile.write(folder.paramsFile(), params);
                log.info(dist == null ? "Running with a single process. Device " + cfg.device() + "."
                        : "Running in distributed mode with multiple processes (" + dist.group().backend().name().toLowerCase(java.util.Locale.ROOT)
                                + ", " + dist.env().source() + " environment). Device: " + cfg.device() + ". Process (global: 0, local "
                                + dist.env().localRank() + "), total " + world + ".");
                log.info("Params: " + folder.paramsFile());
                resumeFrom = resumeCheckpoint(cfg, folder, log);
                if (dist != null) {
                    // Every rank resumes from the checkpoint rank 0 chose.
                    dist.store().set("lcl/resume", resumeFrom.map(Path::toString).orElse(""));
                }
            } else {
                String chosen = dist.store().getString("lcl/resume");
                resumeFrom = chosen.isEmpty() ? Optional.empty() : Optional.of(Path.of(chosen));
            }
            Torch.manualSeed(cfg.seed());
            Tokenizer tokenizer = Tokenizers.create(cfg.data().tokenizer(), cfg.data().vocab());
            checkTokenizer(modelCfg, tokenizer, cfg);
            ImageTextModel model = Models.create(modelCfg, cfg.device(), cfg.optim().precision().modelDtype());
            try (model) {
                log.info("Model " + cfg.model() + ": " + String.format("%,d", model.parameterCount()) + " parameters");
                if (cfg.run().pretrained() != null) {
                    Checkpoints.loadInto(model, cfg.run().pretrained(), true);
                    log.info("Loaded pretrained weights from " + cfg.run().pretrained());
                }
                TrainData data = data(cfg, modelCfg, tokenizer, rank, world);
                log.info("Data: " + cfg.data().datasetType() + ", " + data.numSamples() + " samples per epoch, "
                        + data.numBatches() + " batches of " + cfg.data().batchSize());
                Objective objective = objective(cfg, dist, log);
                TrainLogger logger = new TrainLogger(log, metrics, cfg.run().logEveryNSteps(), world);
                Path last = null;
                long nonFinite;
                try (Trainer trainer = new Trainer(cfg, model, objective, data, folder, logger,
                        dist == null ? DataParallel.none() : dist.dataParallel())) {
                    if (resumeFrom.isPresent()) {
                        trainer.resume(resumeFrom.get());
                    }
                    log.info("Start epoch " + trainer.startEpoch() + " of " + cfg.optim().epochs() + ", "
                            + trainer.stepsPerEpoch() + " optimiser steps per epoch");
                    try {
                        trainer.fit();
                    } catch (NonFiniteLossException e) {
                        log.error("training stopped: " + e.getMessage());
                        return new Result(folder, null, rank == 0 ? plot(folder, log) : null, trainer.nonFiniteSteps(), 1);
                    }
                    nonFinite = trainer.nonFiniteSteps();
                    if (dist != null) {
                        long steps = trainer.stepsPerEpoch() * (cfg.optim().epochs() - trainer.startEpoch());
                        BucketedAllReduce dp = dist.dataParallel();
                        log.info(String.format(java.util.Locale.ROOT, "Gradient all-reduce: %.2f ms per optimiser step (rank 0, %d steps; "
                                + "time not hidden by backward: flattening and starting buckets in its hooks, then the rest and the "
                                + "waits after it; %d bucket all-reduces started during backward)",
                                dp.communicationNanos() / 1e6 / Math.max(1, steps), steps, dp.overlappedBuckets()));
                    }
                    last = folder.findLatestCheckpoint().orElse(null);
                }
                Path plot = rank == 0 ? plot(folder, log) : null;
                log.info("Finished: " + cfg.optim().epochs() + " epochs; checkpoints in " + folder.checkpoints()
                        + (plot != null ? "; loss plot " + plot : ""));
                return new Result(folder, last, plot, nonFinite, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("run folder " + folder.root() + ": " + e.getMessage(), e);
        } finally {
            if (scratch != null) {
                deleteScratch(scratch);
            }
        }
    }

    private static Path scratch(int rank) {
        try {
            return Files.createTempDirectory("lcl-train-rank" + rank + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch folder for rank " + rank, e);
        }
    }

    private static void deleteScratch(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A leftover scratch file in the temp folder is harmless.
        }
    }

    private static Optional<Path> resumeCheckpoint(TrainConfig cfg, RunFolder folder, RunLog log) {
        String resume = cfg.run().resume();
        if (resume == null) {
            return Optional.empty();
        }
        if (resume.equals("latest")) {
            Optional<Path> latest = folder.findLatestCheckpoint();
            log.info(latest.map(p -> "Found latest resume checkpoint at " + p + ".")
                    .orElse("No latest resume checkpoint found in " + folder.checkpoints() + "."));
            return latest;
        }
        Path p = Path.of(resume);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("--resume " + resume + ": no such checkpoint file");
        }
        return Optional.of(p);
    }

    private static void checkTokenizer(ModelConfig modelCfg, Tokenizer tokenizer, TrainConfig cfg) {
        if (!tokenizer.specialTokens().equals(modelCfg.specialTokens())) {
            throw new IllegalArgumentException("--tokenizer " + cfg.data().tokenizer() + " has special ids " + tokenizer.specialTokens()
                    + " but model " + cfg.model() + " expects " + modelCfg.specialTokens()
                    + " (special_token_ids in its config); use a config made for this tokenizer");
        }
        if (tokenizer.vocabSize() > modelCfg.textCfg().vocabSize()) {
            throw new IllegalArgumentException("--tokenizer " + cfg.data().tokenizer() + " has " + tokenizer.vocabSize()
                    + " ids but model " + cfg.model() + " has vocab_size " + modelCfg.textCfg().vocabSize());
        }
    }

    private static TrainData data(TrainConfig cfg, ModelConfig modelCfg, Tokenizer tokenizer, int rank, int world) {
        TrainConfig.DataOptions d = cfg.data();
        int ctx = d.interleavedContextLength() != null ? d.interleavedContextLength() : modelCfg.textCfg().contextLength();
        int n = d.numImgToken() != null ? d.numImgToken() : modelCfg.visionCfg().numPatches();
        if (n != modelCfg.visionCfg().numPatches()) {
            throw new IllegalArgumentException("--num-img-token " + n + " but model " + cfg.model() + " makes "
                    + modelCfg.visionCfg().numPatches() + " visual tokens per image");
        }
        if (ctx > modelCfg.textCfg().contextLength()) {
            throw new IllegalArgumentException("--interleaved-context-length " + ctx + " exceeds model " + cfg.model()
                    + "'s context_length " + modelCfg.textCfg().contextLength());
        }
        if (!modelCfg.isLcl()) {
            throw new IllegalArgumentException("training a CLIP model (" + cfg.model() + ") is not supported by lcl train yet: "
                    + "the loader makes LCL's interleaved sequences; use an LCL config");
        }
        int imageSize = modelCfg.visionCfg().imageSize();
        int workers = Math.max(1, d.workers());
        return switch (d.datasetType()) {
            case "synthetic" -> {
                if (d.trainNumSamples() == null) {
                    throw new IllegalArgumentException("--dataset-type synthetic needs --train-num-samples");
                }
                yield new SyntheticData(new InterleavedWrapper(tokenizer, ctx, n, d.imgFirstProb()), d.batchSize(),
                        d.trainNumSamples(), imageSize, cfg.seed(), world);
            }
            case "webdataset" -> {
                if (!d.useInterleavedWrapper()) {
                    throw new IllegalArgumentException("an LCL model on --dataset-type webdataset needs --use-interleaved-wrapper "
                            + "(image-caption pairs become interleaved sequences)");
                }
                WebDatasetConfig wc = WebDatasetConfig.builder(d.trainData()).upsamplingFactors(d.upsamplingFactors())
                        .trainNumSamples(d.trainNumSamples()).resampled(d.resampled()).batchSize(d.batchSize())
                        .worldSize(world).workers(workers).seed(cfg.seed()).build();
                yield new WebDatasetData(WebDataset.open(wc), new InterleavedWrapper(tokenizer, ctx, n, d.imgFirstProb()),
                        ImageTransform.train(imageSize), rank);
            }
            case "mmc4" -> Mmc4Data.create(cfg, tokenizer, ctx, n, imageSize, rank, world);
            default -> throw new IllegalArgumentException("unknown --dataset-type " + d.datasetType());
        };
    }

    private static Objective objective(TrainConfig cfg, Distributed dist, RunLog log) {
        double wCon = cfg.optim().lclContrastiveLossWeight();
        double wGen = cfg.optim().lclGenerationLossWeight();
        // Without --gather-with-grad the reference's loss detaches the gathered columns, even in one process.
        if (!cfg.optim().gatherWithGrad()) {
            log.warning("without --gather-with-grad the contrastive logits' columns are detached (the reference's behaviour)");
        }
        FeatureGather gather = dist == null ? FeatureGather.singleProcess() : dist.gather();
        return new LclObjective(new LclLoss(wCon, wGen, gather, cfg.optim().gatherWithGrad()));
    }

    private static Path plot(RunFolder folder, RunLog log) {
        try {
            if (MetricsJsonl.read(folder.metrics()).isEmpty()) {
                return null;
            }
            LossPlot.render(folder.metrics(), folder.lossPlot());
            return folder.lossPlot();
        } catch (IOException | RuntimeException e) {
            log.warning("no loss plot: " + e.getMessage());
            return null;
        }
    }
}
