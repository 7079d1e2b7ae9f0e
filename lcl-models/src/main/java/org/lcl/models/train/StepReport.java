package org.lcl.models.train;

import java.util.Map;

/**
 * What one optimiser step reports to a {@link TrainListener}.
 *
 * @param epoch the epoch (0-based, as OpenCLIP's {@code Train Epoch:})
 * @param batchCount optimiser steps done in this epoch, this one included (i_accum + 1)
 * @param batchesPerEpoch optimiser steps per epoch (batches // accum_freq)
 * @param step the global optimiser step the schedule was evaluated at
 * @param samples samples in this step over all ranks (batch × accum × world)
 * @param samplesPerEpoch the epoch's sample count over all ranks
 * @param dataSeconds time spent waiting for this step's batches
 * @param batchSeconds wall time of the whole step, data included
 * @param lr the learning rate used
 * @param logitScale exp(logit_scale) after the step's clamp
 * @param losses the weighted loss terms in log order (e.g. contrastive_loss, caption_loss)
 * @param total their sum
 * @param stepped false when the step was skipped (non-finite loss or gradients)
 * @param skippedSamples skipped-sample counters of the data source, by reason
 * @param nonFiniteSteps steps skipped so far in the run for a non-finite loss or gradient
 * @param lossScale the AMP loss scale, or 0 without loss scaling
 */
public record StepReport(int epoch, long batchCount, long batchesPerEpoch, long step, long samples, long samplesPerEpoch,
                          double dataSeconds, double batchSeconds, double lr, double logitScale,
                          Map<String, Double> losses, double total, boolean stepped, Map<String, Long> skippedSamples,
                          long nonFiniteSteps, double lossScale) {

    /** True at OpenCLIP's log points: every logEvery steps (counting from the first) and at the epoch's last step. */
    public boolean isLogStep(int logEvery) {
        return (batchCount - 1) % logEvery == 0 || batchCount == batchesPerEpoch;
    }
}
