package org.lcl.models.loss;

import java.util.List;

import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.model.LclOutput;
import org.lcl.torch.Functional;
import org.lcl.torch.Functional.Reduction;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * LCL's training objective (lcl-spec.md "Loss"): total = w_con·L_con + w_gen·L_gen, L_con the
 * local contrastive loss between the pooled image latents and the text features at their
 * {@code <soi>} positions ({@link ContrastiveLoss#local}), L_gen the token-mean cross-entropy of
 * the generation logits (ignore_index 0). The terms come back weighted, as the reference returns
 * and logs them.
 */
public final class LclLoss {

    /** {@code --lcl-contrastive-loss-weight} default. */
    public static final double DEFAULT_CONTRASTIVE_WEIGHT = 0.1;
    /** {@code --lcl-generation-loss-weight} default. */
    public static final double DEFAULT_GENERATION_WEIGHT = 1.0;
    /** Generation targets equal to pad are ignored. */
    public static final long IGNORE_INDEX = SpecialTokens.PAD;

    private final double contrastiveWeight;
    private final double generationWeight;
    private final FeatureGather gather;
    private final boolean gatherWithGrad;

    /**
     * @param gather the processes' collectives ({@link FeatureGather#singleProcess()} for one)
     * @param gatherWithGrad {@code --gather-with-grad}: the gathered columns carry gradient; without it
     *        they are detached, in one process too (the reference's behaviour: the value is the same,
     *        gradient then reaches the features through the rows only)
     */
    public LclLoss(double contrastiveWeight, double generationWeight, FeatureGather gather, boolean gatherWithGrad) {
        if (!(contrastiveWeight >= 0) || !(generationWeight >= 0)) {
            throw new IllegalArgumentException("LCL loss weights must be >= 0, got contrastive " + contrastiveWeight + ", generation "
                    + generationWeight);
        }
        this.contrastiveWeight = contrastiveWeight;
        this.generationWeight = generationWeight;
        this.gather = gather;
        this.gatherWithGrad = gatherWithGrad;
    }

    /** One process, gradient through rows and columns (the spec's single-process formula). */
    public LclLoss(double contrastiveWeight, double generationWeight) {
        this(contrastiveWeight, generationWeight, FeatureGather.singleProcess(), true);
    }

    /** One process, default weights 0.1 and 1.0. */
    public LclLoss() {
        this(DEFAULT_CONTRASTIVE_WEIGHT, DEFAULT_GENERATION_WEIGHT);
    }

    public double contrastiveWeight() {
        return contrastiveWeight;
    }

    public double generationWeight() {
        return generationWeight;
    }

    public LossOutput compute(LclOutput out) {
        return compute(out.imageFeatures(), out.textFeatures(), out.logitScale(), out.logits(), out.labels());
    }

    /**
     * @param imageFeatures [M, D] this rank's image latents (M may be 0)
     * @param textFeatures [M, D] the text features paired with them
     * @param logitScale s = exp(logit_scale)
     * @param logits [T, vocab] generation logits (T may be 0)
     * @param labels [T] int64 next ids
     */
    public LossOutput compute(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale, Tensor logits, Tensor labels) {
        try (Scope s = Scope.open()) {
            Tensor contrastive;
            if (contrastiveWeight == 0) {
                // Skipped on every rank alike (the weight is global), as the reference does.
                contrastive = Torch.scalar(0.0, TensorOptions.of(ContrastiveLoss.wide(imageFeatures), imageFeatures.device()));
            } else if (gather.worldSize() == 1) {
                PaddedFeatures all = PaddedFeatures.gather(gather, imageFeatures, textFeatures, gatherWithGrad);
                contrastive = ContrastiveLoss.local(imageFeatures, textFeatures, logitScale, all).mul(contrastiveWeight);
            } else {
                long[] counts = PaddedFeatures.counts(gather, imageFeatures, textFeatures);
                Tensor pair = PaddedFeatures.localBlock(imageFeatures, textFeatures, counts);
                long d = imageFeatures.size(1);
                contrastive = gather.lossOverGathered(pair, List.of(imageFeatures, textFeatures, logitScale), gatherWithGrad,
                        (blocks, in) -> ContrastiveLoss.local(in.get(0), in.get(1), in.get(2),
                                PaddedFeatures.columns(gather, counts, d, blocks, gatherWithGrad))).mul(contrastiveWeight);
            }
            Tensor caption = generation(logits, labels).mul(generationWeight);
            Tensor total = contrastive.add(caption);
            return new LossOutput(contrastive.moveOut(), caption.moveOut(), total.moveOut());
        }
    }

    /**
     * L_gen: the cross-entropy of logits [T, vocab] against labels [T], averaged over the labels
     * that are not {@link #IGNORE_INDEX}; 0 (not NaN) when there are none, T = 0 included. The
     * count stays on the device (no host sync).
     */
    public static Tensor generation(Tensor logits, Tensor labels) {
        if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("generation loss expects logits [T, vocab] and labels [T], got "
                    + java.util.Arrays.toString(logits.shape()) + " and " + java.util.Arrays.toString(labels.shape()));
        }
        try (Scope s = Scope.open()) {
            Tensor sum = Functional.crossEntropy(logits, labels, null, Reduction.SUM, IGNORE_INDEX, 0.0);
            Tensor count = labels.ne(IGNORE_INDEX).sum().clampMin(1).to(sum.dtype());
            return sum.div(count).moveOut();
        }
    }
}
