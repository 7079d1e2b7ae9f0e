package org.lcl.models.loss;

import java.util.Arrays;

import org.lcl.torch.Autocast;
import org.lcl.torch.DType;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * The symmetric image–text cross-entropy of CLIP and LCL, always with float32 (or wider) logits and
 * autocast off (openclip-interface.md "Precision"). Pure functions of tensors.
 */
public final class ContrastiveLoss {

    private ContrastiveLoss() {
    }

    /**
     * LCL's local loss (lcl-spec.md "Loss"): rows are this rank's unpadded features [M, D], columns
     * the gathered ones; logits_i2t = s·I·T_allᵀ and logits_t2i = s·T·I_allᵀ with −inf on padded
     * columns; targets arange(M) (this rank's block comes first); ½(CE_i2t + CE_t2i). In one
     * process, with {@code all} from {@link PaddedFeatures#gather}, it is the plain
     * ½(CE(s·I·Tᵀ) + CE(s·T·Iᵀ)).
     *
     * @param logitScale s = exp(logit_scale), a scalar
     */
    public static Tensor local(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale, PaddedFeatures all) {
        try (Scope s = Scope.open(); Autocast off = Autocast.disable(imageFeatures.device().type())) {
            DType d = wide(imageFeatures);
            Tensor scale = logitScale.to(d);
            Tensor perImage = imageFeatures.to(d).matmul(all.textFeatures().to(d).t()).mul(scale)
                    .maskedFill(all.paddedColumns(), Double.NEGATIVE_INFINITY);
            Tensor perText = textFeatures.to(d).matmul(all.imageFeatures().to(d).t()).mul(scale)
                    .maskedFill(all.paddedColumns(), Double.NEGATIVE_INFINITY);
            return symmetric(perImage, perText, 0).moveOut();
        }
    }

    /**
     * ½(CE(logitsPerImage, targets) + CE(logitsPerText, targets)) with targets
     * arange(M) + targetOffset, M the number of rows. With no rows it is 0, computed from the
     * logits so that backward still runs through them (a rank without pairs must still take part
     * in the gather's backward collective) and never NaN (the mean of nothing).
     */
    public static Tensor symmetric(Tensor logitsPerImage, Tensor logitsPerText, long targetOffset) {
        long m = logitsPerImage.size(0);
        if (logitsPerText.size(0) != m) {
            throw new IllegalArgumentException("contrastive logits: per image " + Arrays.toString(logitsPerImage.shape()) + " and per text "
                    + Arrays.toString(logitsPerText.shape()) + " must have the same rows");
        }
        try (Scope s = Scope.open()) {
            if (m == 0) {
                // The sum over no rows: exactly 0.
                return logitsPerImage.sum().add(logitsPerText.sum()).moveOut();
            }
            Tensor targets = Torch.arange(targetOffset, targetOffset + m, 1, TensorOptions.of(DType.INT64, logitsPerImage.device()));
            return Functional.crossEntropy(logitsPerImage, targets).add(Functional.crossEntropy(logitsPerText, targets)).div(2.0).moveOut();
        }
    }

    /** float32, or float64 for float64 features (finite-difference checks). */
    static DType wide(Tensor features) {
        return features.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
    }
}
