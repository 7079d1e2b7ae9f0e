package org.lcl.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.lcl.models.train.log.LossPlot;
import org.lcl.models.train.log.MetricsJsonl;
import org.lcl.models.train.log.ParamsFile;
import org.lcl.models.train.log.ProgressBar;
import org.lcl.models.train.log.RunLog;
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

    /** Runs the training; params are the flags for params.txt. Errors before training starts throw; failures during it are logged and give exit code 1. */
    public static Result run(TrainConfig cfg, Map<String, ?> params) {
        ModelConfig modelCfg = ModelConfigs.resolve(cfg.model());
        RunFolder folder = RunFolder.of(cfg.run().logs(), cfg.run().name());
        boolean resumeLatest = "latest".equals(cfg.run().resume());
        folder.create(resumeLatest);
        try (RunLog log = RunLog.open(folder.outLog(), System.out, cfg.run().progressBar() && ProgressBar.stdoutIsTerminal(),
                java.time.Clock.systemDefaultZone());
             MetricsJsonl metrics = MetricsJsonl.open(folder.metrics())) {
            ParamsFile.write(folder.paramsFile(), params);
            log.info("Running with a single process. Device " + cfg.device() + ".");
            log.info("Params: " + folder.paramsFile());
            Optional<Path> resumeFrom = resumeCheckpoint(cfg, folder, log);
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
                TrainData data = data(cfg, modelCfg, tokenizer);
                log.info("Data: " + cfg.data().datasetType() + ", " + data.numSamples() + " samples per epoch, "
                        + data.numBatches() + " batches of " + cfg.data().batchSize());
                Objective objective = objective(cfg, model);
                TrainLogger logger = new TrainLogger(log, metrics, cfg.run().logEveryNSteps(), 1);
                Path last = null;
                long nonFinite;
                try (Trainer trainer = new Trainer(cfg, model, objective, data, folder, logger)) {
                    if (resumeFrom.isPresent()) {
                        trainer.resume(resumeFrom.get());
                    }
                    log.info("Start epoch " + trainer.startEpoch() + " of " + cfg.optim().epochs() + ", "
                            + trainer.stepsPerEpoch() + " optimiser steps per epoch");
                    try {
                        trainer.fit();
                    } catch (NonFiniteLossException e) {
                        log.error("training stopped: " + e.getMessage());
                        return new Result(folder, null, plot(folder, log), trainer.nonFiniteSteps(), 1);
                    }
                    nonFinite = trainer.nonFiniteSteps();
                    last = folder.findLatestCheckpoint().orElse(null);
                }
                Path plot = plot(folder, log);
                log.info("Finished: " + cfg.optim().epochs() + " epochs; checkpoints in " + folder.checkpoints()
                        + (plot != null ? "; loss plot " + plot : ""));
                return new Result(folder, last, plot, nonFinite, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("run folder " + folder.root() + ": " + e.getMessage(), e);
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

    private static TrainData data(TrainConfig cfg, ModelConfig modelCfg, Tokenizer tokenizer) {
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
                        d.trainNumSamples(), imageSize, cfg.seed());
            }
            case "webdataset" -> {
                if (!d.useInterleavedWrapper()) {
                    throw new IllegalArgumentException("an LCL model on --dataset-type webdataset needs --use-interleaved-wrapper "
                            + "(image-caption pairs become interleaved sequences)");
                }
                WebDatasetConfig wc = WebDatasetConfig.builder(d.trainData()).upsamplingFactors(d.upsamplingFactors())
                        .trainNumSamples(d.trainNumSamples()).resampled(d.resampled()).batchSize(d.batchSize())
                        .worldSize(1).workers(workers).seed(cfg.seed()).build();
                yield new WebDatasetData(WebDataset.open(wc), new InterleavedWrapper(tokenizer, ctx, n, d.imgFirstProb()),
                        ImageTransform.train(imageSize), 0);
            }
            case "mmc4" -> Mmc4Data.create(cfg, tokenizer, ctx, n, imageSize, 0, 1);
            default -> throw new IllegalArgumentException("unknown --dataset-type " + d.datasetType());
        };
    }

    private static Objective objective(TrainConfig cfg, ImageTextModel model) {
        // Without --gather-with-grad the reference's loss detaches the gathered columns, even in one process.
        return new LclObjective(new LclLoss(cfg.optim().lclContrastiveLossWeight(), cfg.optim().lclGenerationLossWeight(),
                FeatureGather.singleProcess(), cfg.optim().gatherWithGrad()));
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
