package org.lcl.models.train.dist;

import java.util.ArrayList;
import java.util.List;

import org.lcl.models.loss.FeatureGather;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.ProcessGroup;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;
import org.lcl.torch.DType;

/**
 * The contrastive losses' collectives on a c10d process group.
 *
 * <p>c10d's all_gather is no autograd node here (libtorch's C++ API has no differentiable
 * collective and the native layer exposes no custom autograd function), so gather-with-grad is
 * done in {@link #lossOverGathered} without one, exactly: the loss is evaluated on leaf copies
 * of every input and gathered block, its backward (through the loss only) gives the gradient of
 * every block, an all_reduce(sum) of the stacked block gradients gives each rank the sum over
 * all ranks' losses of the gradient of its own block (GatherLayer's backward), and the returned
 * value is the loss plus a zero-valued surrogate Σ⟨input, its gradient⟩ that routes those
 * gradients into the model when the trainer calls backward. The collectives run in the forward
 * pass, in the same order on every rank.
 */
public final class C10dFeatureGather implements FeatureGather {

    private final ProcessGroup group;
    private final Device device;

    /** @param device where the group's tensors live (CUDA for NCCL) */
    public C10dFeatureGather(ProcessGroup group, Device device) {
        this.group = group;
        this.device = device;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    @Override
    public long[] allCounts(long localCount) {
        try (Scope s = Scope.open()) {
            Tensor mine = Torch.tensor(new long[] {localCount}).to(device);
            List<Tensor> all = group.allGather(mine);
            long[] out = new long[all.size()];
            for (int r = 0; r < out.length; r++) {
                out[r] = all.get(r).itemLong();
            }
            return out;
        }
    }

    /**
     * Every rank's tensor as plain values, entry {@link #rank()} being {@code local} itself. The
     * gradient of the other entries is not delivered through autograd: gather-with-grad goes
     * through {@link #lossOverGathered}.
     */
    @Override
    public List<Tensor> allGather(Tensor local, boolean withGrad) {
        if (withGrad && worldSize() > 1) {
            throw new UnsupportedOperationException("all_gather with gradient across processes has no autograd node; "
                    + "losses take gather-with-grad through lossOverGathered");
        }
        List<Tensor> all = local.numel() == 0
                // every rank's tensor has the same (empty) shape: nothing to send
                ? new ArrayList<>(java.util.Collections.nCopies(worldSize(), local))
                : new ArrayList<>(group.allGather(local.detach().contiguous()));
        all.set(rank(), local);
        return all;
    }

    @Override
    public Tensor lossOverGathered(Tensor local, List<Tensor> inputs, boolean withGrad, GatheredLoss loss) {
        if (!withGrad || worldSize() == 1 || !GradMode.isEnabled() || local.numel() == 0) {
            // Without gradient through the gather (or no gradient at all) the values are the whole story.
            return loss.apply(allGather(local, false), inputs);
        }
        try (Scope s = Scope.open()) {
            List<Tensor> blocks = new ArrayList<>(group.allGather(local.detach().contiguous()));
            for (int r = 0; r < blocks.size(); r++) {
                Tensor b = r == rank() ? local.detach() : blocks.get(r);
                blocks.set(r, b.requiresGrad_(true));
            }
            List<Tensor> leaves = new ArrayList<>(inputs.size());
            for (Tensor t : inputs) {
                leaves.add(t.detach().requiresGrad_(t.requiresGrad()));
            }
            Tensor value = loss.apply(blocks, leaves);
            value.backward();
            List<Tensor> grads = new ArrayList<>(blocks.size());
            for (Tensor b : blocks) {
                Tensor g = b.grad();
                grads.add(g != null ? g : Torch.zeros(TensorOptions.of(b.dtype(), b.device()), b.shape()));
            }
            Tensor summed = Torch.stack(grads);
            group.allReduce(ProcessGroup.ReduceOp.SUM, summed);
            Tensor surrogate = inner(local, summed.select(0, rank()));
            for (int i = 0; i < inputs.size(); i++) {
                Tensor g = leaves.get(i).grad();
                if (g != null) {
                    surrogate = surrogate.add(inner(inputs.get(i), g));
                }
            }
            // value + (surrogate − surrogate): exactly the loss's value, with the surrogate's gradient.
            return value.detach().add(surrogate.sub(surrogate.detach())).moveOut();
        }
    }

    /** ⟨x, g⟩ in float32 or wider, g a constant. */
    private static Tensor inner(Tensor x, Tensor g) {
        DType d = x.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
        return x.to(d).mul(g.to(d)).sum();
    }
}
