package org.lcl.models.loss;

import java.util.Arrays;
import java.util.List;

import org.lcl.models.model.ClipOutput;
import org.lcl.torch.Autocast;
import org.lcl.torch.DType;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * OpenCLIP's {@code ClipLoss} for the CLIP baseline: ½(CE(logits_per_image) + CE(logits_per_text))
 * with logits_per_image = s·I·Tᵀ; in float32 with autocast off (openclip-interface.md
 * "Precision"). Several processes: every rank has the same batch size; blocks in rank order.
 * Local loss: rows are this rank's features, columns everyone's, targets arange(N) + N·rank.
 * Otherwise: the global logits s·I_all·T_allᵀ and their transpose, targets arange(N·W); without
 * gather-with-grad this rank's block keeps its gradient, the others are plain values.
 */
public final class ClipLoss {

    private final FeatureGather gather;
    private final boolean localLoss;
    private final boolean gatherWithGrad;

    /**
     * @param localLoss {@code --local-loss}
     * @param gatherWithGrad {@code --gather-with-grad}
     */
    public ClipLoss(FeatureGather gather, boolean localLoss, boolean gatherWithGrad) {
        this.gather = gather;
        this.localLoss = localLoss;
        this.gatherWithGrad = gatherWithGrad;
    }

    /** One process (the flags change nothing there). */
    public ClipLoss() {
        this(FeatureGather.singleProcess(), false, false);
    }

    /** The contrastive loss as the only term (total is the same value). */
    public LossOutput compute(ClipOutput out) {
        try (Scope s = Scope.open()) {
            Tensor loss = contrastive(out.imageFeatures(), out.textFeatures(), out.logitScale());
            Tensor total = loss.share();
            return new LossOutput(loss.moveOut(), null, total.moveOut());
        }
    }

    /** image and text features [N, D], s = exp(logit_scale) → the scalar loss. */
    public Tensor contrastive(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale) {
        if (imageFeatures.dim() != 2 || !Arrays.equals(imageFeatures.shape(), textFeatures.shape())) {
            throw new IllegalArgumentException("CLIP loss expects image and text features [N, D] alike, got "
                    + Arrays.toString(imageFeatures.shape()) + " and " + Arrays.toString(textFeatures.shape()));
        }
        try (Scope s = Scope.open(); Autocast off = Autocast.disable(imageFeatures.device().type())) {
            DType d = ContrastiveLoss.wide(imageFeatures);
            Tensor image = imageFeatures.to(d);
            Tensor text = textFeatures.to(d);
            Tensor scale = logitScale.to(d);
            if (gather.worldSize() == 1) {
                return ContrastiveLoss.symmetric(image.matmul(text.t()).mul(scale), text.matmul(image.t()).mul(scale), 0).moveOut();
            }
            // Image and text side by side [N, 2D]: one collective for both.
            return gather.lossOverGathered(Torch.cat(List.of(image, text), 1), List.of(image, text, scale), gatherWithGrad,
                    (blocks, in) -> overGathered(blocks, in.get(0), in.get(1), in.get(2))).moveOut();
        }
    }

    private Tensor overGathered(List<Tensor> blocks, Tensor image, Tensor text, Tensor scale) {
        try (Scope s = Scope.open()) {
            Tensor all = gathered(blocks, image.size(0), image.size(1) + text.size(1));
            Tensor allImage = all.narrow(1, 0, image.size(1));
            Tensor allText = all.narrow(1, image.size(1), text.size(1));
            if (localLoss) {
                Tensor perImage = image.matmul(allText.t()).mul(scale);
                Tensor perText = text.matmul(allImage.t()).mul(scale);
                return ContrastiveLoss.symmetric(perImage, perText, image.size(0) * gather.rank()).moveOut();
            }
            Tensor perImage = allImage.matmul(allText.t()).mul(scale);
            return ContrastiveLoss.symmetric(perImage, perImage.t(), 0).moveOut();
        }
    }

    /** Every rank's block in rank order; with local loss and no gather-with-grad all of it detached, as OpenCLIP. */
    private Tensor gathered(List<Tensor> all, long rows, long cols) {
        if (all.size() != gather.worldSize()) {
            throw new IllegalStateException("all_gather returned " + all.size() + " tensors for a world of " + gather.worldSize());
        }
        for (int r = 0; r < all.size(); r++) {
            if (all.get(r).size(0) != rows || all.get(r).size(1) != cols) {
                throw new IllegalStateException("CLIP loss: rank " + r + " has features " + Arrays.toString(all.get(r).shape()) + ", rank "
                        + gather.rank() + " [" + rows + ", " + cols + "]; every rank must have the same batch size");
            }
        }
        Tensor cat = Torch.cat(all, 0);
        return localLoss && !gatherWithGrad ? cat.detach() : cat;
    }
}
