package org.lcl.models.model;

import org.lcl.torch.Tensor;

/**
 * What {@link ClipModel#forward(Tensor, Tensor)} returns (OpenCLIP's CLIP output).
 *
 * @param imageFeatures [B, D] float32, L2-normalised
 * @param textFeatures [B, D] float32, L2-normalised
 * @param logitScale exp(logit_scale), already exponentiated as OpenCLIP returns it
 * @param logitBias logit_bias, or null when the config has none
 */
public record ClipOutput(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale, Tensor logitBias) implements AutoCloseable {

    @Override
    public void close() {
        imageFeatures.close();
        textFeatures.close();
        logitScale.close();
        if (logitBias != null) {
            logitBias.close();
        }
    }
}
