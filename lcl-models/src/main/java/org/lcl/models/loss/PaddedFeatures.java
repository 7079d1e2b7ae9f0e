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
        long max = Arrays.stream(counts).max().orElseThrow();
        try (Scope s = Scope.open()) {
            // Image and text side by side [max, 2D]: one collective for both.
            Tensor pair = padRows(Torch.cat(List.of(imageFeatures, textFeatures), 1), max);
            Tensor all = localFirst(gather, pair, gather.allGather(pair, withGrad));
            long d = imageFeatures.size(1);
            Tensor images = all.narrow(1, 0, d);
            Tensor texts = all.narrow(1, d, textFeatures.size(1));
            List<Tensor> mask = new ArrayList<>();
            for (int r : order(gather)) {
                mask.add(Torch.arange(0, max, 1, TensorOptions.of(DType.INT64, imageFeatures.device())).ge(counts[r]));
            }
            Tensor padded = Torch.cat(mask, 0);
            if (!withGrad) {
                images = images.detach();
                texts = texts.detach();
            }
            return new PaddedFeatures(images.moveOut(), texts.moveOut(), padded.moveOut());
        }
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

    /** The local block itself (not its gathered copy, whose gradient would only come back through the collective), then the others. */
    private static Tensor localFirst(FeatureGather gather, Tensor local, List<Tensor> all) {
        if (all.size() != gather.worldSize()) {
            throw new IllegalStateException("all_gather returned " + all.size() + " tensors for a world of " + gather.worldSize());
        }
        List<Tensor> blocks = new ArrayList<>();
        for (int r : order(gather)) {
            Tensor b = r == gather.rank() ? local : all.get(r);
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
