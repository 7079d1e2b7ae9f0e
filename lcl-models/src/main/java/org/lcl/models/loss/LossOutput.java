package org.lcl.models.loss;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lcl.torch.Tensor;

/**
 * The terms of a training loss as the reference returns and logs them, each already multiplied by
 * its weight (OpenCLIP's {@code output_dict}), and their sum. All scalars.
 *
 * @param contrastiveLoss w_con·L_con, logged as {@code contrastive_loss}
 * @param captionLoss w_gen·L_gen, logged as {@code caption_loss}; null for CLIP, which has no such term
 * @param total the loss to back-propagate (OpenCLIP's {@code loss}: the sum of the terms)
 */
public record LossOutput(Tensor contrastiveLoss, Tensor captionLoss, Tensor total) implements AutoCloseable {

    /** The logged terms by their OpenCLIP names, in the reference's order (total not included). */
    public Map<String, Tensor> terms() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("contrastive_loss", contrastiveLoss);
        if (captionLoss != null) {
            out.put("caption_loss", captionLoss);
        }
        return out;
    }

    @Override
    public void close() {
        contrastiveLoss.close();
        if (captionLoss != null) {
            captionLoss.close();
        }
        total.close();
    }
}
