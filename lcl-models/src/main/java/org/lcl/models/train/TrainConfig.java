package org.lcl.models.train;

import java.nio.file.Path;
import java.util.Objects;

import org.lcl.torch.Device;

/**
 * Everything a training run is configured with, in OpenCLIP's terms (the CLI maps its flags
 * here one to one; see openclip-interface.md for the flags and defaults).
 *
 * @param model the model config name or path ({@code --model})
 * @param data where the batches come from
 * @param optim optimiser, schedule and precision
 * @param run the run folder, checkpoints and logging
 * @param device {@code --device}
 * @param seed {@code --seed}
 */
public record TrainConfig(String model, DataOptions data, OptimOptions optim, RunOptions run, Device device, long seed) {

    public TrainConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(optim, "optim");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(device, "device");
    }

    /** The dataset flags. */
    public record DataOptions(
            String datasetType,
            String trainData,
            String upsamplingFactors,
            Long trainNumSamples,
            boolean resampled,
            int batchSize,
            int workers,
            boolean useInterleavedWrapper,
            Integer interleavedContextLength,
            Integer numImgToken,
            double imgFirstProb,
            boolean dataGlobalDistributed,
            String tokenizer,
            Path vocab) {

        public DataOptions {
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
            }
            if (workers < 0) {
                throw new IllegalArgumentException("--workers must be >= 0, got " + workers);
            }
            if (imgFirstProb < 0 || imgFirstProb > 1) {
                throw new IllegalArgumentException("--img-first-prob must be in [0, 1], got " + imgFirstProb);
            }
        }
    }

    /** The optimisation flags. gradClipNorm is null when not clipping. */
    public record OptimOptions(
            int epochs,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double wd,
            long warmup,
            String lrScheduler,
            int epochsCooldown,
            double lrCooldownEnd,
            double lrCooldownPower,
            int accumFreq,
            Double gradClipNorm,
            Precision precision,
            boolean gradCheckpointing,
            boolean localLoss,
            boolean gatherWithGrad,
            double lclContrastiveLossWeight,
            double lclGenerationLossWeight,
            int maxNonFiniteSteps) {

        public OptimOptions {
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
            }
            if (accumFreq < 1) {
                throw new IllegalArgumentException("--accum-freq must be at least 1, got " + accumFreq);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
            }
            if (gradClipNorm != null && gradClipNorm <= 0) {
                throw new IllegalArgumentException("--grad-clip-norm must be positive, got " + gradClipNorm);
            }
            if (maxNonFiniteSteps < 1) {
                throw new IllegalArgumentException("--max-nonfinite-steps must be at least 1, got " + maxNonFiniteSteps);
            }
            Objects.requireNonNull(precision, "precision");
        }
    }

    /**
     * The run flags. resume is null, "latest" or a checkpoint path; pretrained is null or a
     * weights file loaded before training.
     */
    public record RunOptions(
            Path logs,
            String name,
            int saveFrequency,
            boolean saveMostRecent,
            boolean deletePreviousCheckpoint,
            String resume,
            Path pretrained,
            int logEveryNSteps,
            boolean progressBar) {

        public RunOptions {
            Objects.requireNonNull(logs, "logs");
            Objects.requireNonNull(name, "name");
            if (logEveryNSteps < 1) {
                throw new IllegalArgumentException("--log-every-n-steps must be at least 1, got " + logEveryNSteps);
            }
        }
    }
}
