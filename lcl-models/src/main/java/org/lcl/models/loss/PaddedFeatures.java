package org.lcl.models.loss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.lcl.torch.DType;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * The columns of LCL's local loss (lcl-spec.md "Loss", multi-process): every rank's features
 * padded with zero rows to the largest count, this rank's block first, then the other ranks in
 * rank order. Counts differ per rank because only the images whose {@code <soi>} is not at
 * position 0 make pairs.
 *
 * @param imageFeatures [W·max, D]
 * @param textFeatures [W·max, D]
 * @param paddedColumns [W·max] bool: true where a column is padding (its logits become −inf)
 */
public record PaddedFeatures(Tensor imageFeatures, Tensor textFeatures, Tensor paddedColumns) {

    public PaddedFeatures {
        long k = paddedColumns.size(0);
        if (imageFeatures.size(0) != k || textFeatures.size(0) != k) {
            throw new IllegalArgumentException("padded features: image " + Arrays.toString(imageFeatures.shape()) + " and text "
                    + Arrays.toString(textFeatures.shape()) + " must have one row per column of the mask [" + k + "]");
        }
    }

    /**
     * Pads this rank's image and text features [M_local, D] to the global largest count, gathers
     * them across ranks and orders the blocks local first. Without {@code withGrad} the columns
     * are detached, this rank's block included, as the reference does (then gradient reaches the
     * features through the rows only). Tensors in the caller's scope.
     */
    public static PaddedFeatures gather(FeatureGather gather, Tensor imageFeatures, Tensor textFeatures, boolean withGrad) {
        long[] counts = counts(gather, imageFeatures, textFeatures);
        try (Scope s = Scope.open()) {
            Tensor pair = localBlock(imageFeatures, textFeatures, counts);
            return columns(gather, counts, imageFeatures.size(1), gather.allGather(pair, withGrad), withGrad).moveOut();
        }
    }

    /** Every rank's pair count (one collective), checked against this rank's features [M, D]. */
    public static long[] counts(FeatureGather gather, Tensor imageFeatures, Tensor textFeatures) {
        long m = imageFeatures.size(0);
        if (imageFeatures.dim() != 2 || textFeatures.dim() != 2 || textFeatures.size(0) != m) {
            throw new IllegalArgumentException("contrastive features must be [M, D] pairs, got image " + Arrays.toString(imageFeatures.shape())
                    + " and text " + Arrays.toString(textFeatures.shape()));
        }
        long[] counts = gather.allCounts(m);
        if (counts.length != gather.worldSize() || counts[gather.rank()] != m) {
            throw new IllegalStateException("gather returned counts " + Arrays.toString(counts) + " for rank " + gather.rank() + " of "
                    + gather.worldSize() + " holding " + m + " pairs");
        }
        return counts;
    }

    /** What this rank sends: image and text side by side [max, 2D] (one collective for both), zero rows up to the largest count. */
    public static Tensor localBlock(Tensor imageFeatures, Tensor textFeatures, long[] counts) {
        long max = Arrays.stream(counts).max().orElseThrow();
        try (Scope s = Scope.open()) {
            return padRows(Torch.cat(List.of(imageFeatures, textFeatures), 1), max).moveOut();
        }
    }

    /**
     * The columns from the gathered blocks (rank order, entry rank the local block itself, whose
     * gradient then flows directly): local first, image and text split, the padding mask.
     * Without {@code withGrad} all detached. Tensors in the caller's scope.
     */
    public static PaddedFeatures columns(FeatureGather gather, long[] counts, long imageDim, List<Tensor> blocks, boolean withGrad) {
        long max = Arrays.stream(counts).max().orElseThrow();
        try (Scope s = Scope.open()) {
            Tensor all = localFirst(gather, blocks);
            Tensor local = blocks.get(gather.rank());
            Tensor images = all.narrow(1, 0, imageDim);
            Tensor texts = all.narrow(1, imageDim, local.size(1) - imageDim);
            List<Tensor> mask = new ArrayList<>();
            for (int r : order(gather)) {
                mask.add(Torch.arange(0, max, 1, TensorOptions.of(DType.INT64, local.device())).ge(counts[r]));
            }
            Tensor padded = Torch.cat(mask, 0);
            if (!withGrad) {
                images = images.detach();
                texts = texts.detach();
            }
            return new PaddedFeatures(images.moveOut(), texts.moveOut(), padded.moveOut());
        }
    }

    private PaddedFeatures moveOut() {
        return new PaddedFeatures(imageFeatures.moveOut(), textFeatures.moveOut(), paddedColumns.moveOut());
    }

    /** Ranks in column order: this rank, then the others in rank order. */
    private static List<Integer> order(FeatureGather gather) {
        List<Integer> out = new ArrayList<>(List.of(gather.rank()));
        for (int r = 0; r < gather.worldSize(); r++) {
            if (r != gather.rank()) {
                out.add(r);
            }
        }
        return out;
    }

    /** The blocks local first, then the others in rank order; each must have the local block's shape. */
    private static Tensor localFirst(FeatureGather gather, List<Tensor> all) {
        if (all.size() != gather.worldSize()) {
            throw new IllegalStateException("all_gather returned " + all.size() + " tensors for a world of " + gather.worldSize());
        }
        Tensor local = all.get(gather.rank());
        List<Tensor> blocks = new ArrayList<>();
        for (int r : order(gather)) {
            Tensor b = all.get(r);
            if (!Arrays.equals(b.shape(), local.shape())) {
                throw new IllegalStateException("all_gather: rank " + r + " sent " + Arrays.toString(b.shape()) + ", expected "
                        + Arrays.toString(local.shape()));
            }
            blocks.add(b);
        }
        return Torch.cat(blocks, 0);
    }

    private static Tensor padRows(Tensor x, long rows) {
        if (x.size(0) == rows) {
            return x;
        }
        Tensor zeros = Torch.zeros(TensorOptions.of(x.dtype(), x.device()), rows - x.size(0), x.size(1));
        return Torch.cat(List.of(x, zeros), 0);
    }
}
