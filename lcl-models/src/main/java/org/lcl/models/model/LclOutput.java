package org.lcl.models.model;

import org.lcl.torch.Tensor;

/**
 * What {@link LclModel#forward(Tensor, Tensor)} returns (the reference's output dict).
 *
 * @param imageFeatures [M, D] float32, L2-normalised: the pooled latents of the images whose
 *        {@code <soi>} is not at position 0, in (batch, position) order of their {@code <soi>}
 * @param textFeatures [M, D] float32, L2-normalised: ln_final + text_projection of the decoder
 *        output at those {@code <soi>} positions, same order (row i pairs with image row i)
 * @param logitScale exp(logit_scale): the scale itself, already exponentiated, as the reference returns it
 * @param logits [T, vocab]: lm_head of the outputs at positions t whose next id is not
 *        {@code <img_placehold>}, {@code <end_of_img>} or pad
 * @param labels [T] int64: those next ids
 */
public record LclOutput(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale, Tensor logits, Tensor labels)
        implements AutoCloseable {

    /** The number of contrastive pairs M. */
    public long numPairs() {
        return imageFeatures.size(0);
    }

    /** Frees the tensors now (they are otherwise freed with the caller's scope). */
    @Override
    public void close() {
        imageFeatures.close();
        textFeatures.close();
        logitScale.close();
        logits.close();
        labels.close();
    }
}
