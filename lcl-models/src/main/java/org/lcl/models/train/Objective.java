package org.lcl.models.train;

import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.Tensor;

/** What the trainer optimises: a model's forward on a batch and the loss over its outputs. */
public interface Objective {

    /** The forward on images [N_img, 3, H, W] (null when none) and ids [B, L]. */
    ModelOutputs forward(ImageTextModel model, Tensor images, Tensor ids);

    /** The loss over outputs (one micro-batch's, or several concatenated by --accum-freq). */
    Losses loss(ModelOutputs outputs);
}
