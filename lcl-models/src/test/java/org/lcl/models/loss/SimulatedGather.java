package org.lcl.models.loss;

import java.util.ArrayList;
import java.util.List;

import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * Rank {@code rank}'s view of several processes simulated in one. {@code sent} holds what every
 * rank passes to allGather (built by hand by the test); allGather returns them in rank order,
 * entry {@code rank} being the argument itself, as the contract says. With grad the other ranks'
 * entries stay connected to the given tensors (what the collective's backward would deliver to
 * their ranks); without, they are detached. {@code counts} are the ranks' pair counts.
 */
record SimulatedGather(int rank, long[] counts, List<Tensor> sent) implements FeatureGather {

    @Override
    public int worldSize() {
        return sent.size();
    }

    @Override
    public long[] allCounts(long localCount) {
        return counts.clone();
    }

    @Override
    public List<Tensor> allGather(Tensor local, boolean withGrad) {
        List<Tensor> out = new ArrayList<>();
        for (int r = 0; r < sent.size(); r++) {
            out.add(r == rank ? local : withGrad ? sent.get(r) : sent.get(r).detach());
        }
        return out;
    }

    /**
     * What each rank sends in a run: its image and text features side by side, zero rows appended
     * up to {@code rows} (the largest count for LCL; for CLIP, whose ranks do not pad, pass 0).
     */
    static SimulatedGather view(int rank, List<Tensor> images, List<Tensor> texts, long rows) {
        List<Tensor> out = new ArrayList<>();
        long[] counts = new long[images.size()];
        for (int r = 0; r < images.size(); r++) {
            Tensor pair = Torch.cat(List.of(images.get(r), texts.get(r)), 1);
            counts[r] = pair.size(0);
            if (pair.size(0) < rows) {
                pair = Torch.cat(List.of(pair, Torch.zeros(TensorOptions.of(pair.dtype(), pair.device()), rows - pair.size(0), pair.size(1))), 0);
            }
            out.add(pair);
        }
        return new SimulatedGather(rank, counts, out);
    }
}
