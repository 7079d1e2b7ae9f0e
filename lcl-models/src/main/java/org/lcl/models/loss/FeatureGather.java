package org.lcl.models.loss;

import java.util.List;

import org.lcl.torch.Tensor;

/**
 * The collectives a contrastive loss needs across the processes of a data-parallel run, so that the
 * losses stay pure functions of tensors. One process: {@link #singleProcess()}; the distributed
 * implementation belongs to the trainer.
 */
public interface FeatureGather {

    /** This process's rank, 0 ≤ rank &lt; worldSize. */
    int rank();

    int worldSize();

    /** Every rank's count, in rank order (an all-gather of one integer per rank). */
    long[] allCounts(long localCount);

    /**
     * all_gather of a tensor that has the same shape on every rank: one tensor per rank, in rank
     * order, entry {@link #rank()} being {@code local} itself (so its gradient flows directly).
     * With {@code withGrad} ({@code --gather-with-grad}) the other ranks' entries carry gradient:
     * backward all-reduces the incoming gradient of each entry and each rank keeps its own slice;
     * otherwise they are plain values. The losses pass image and text features side by side
     * ([rows, 2D]), so one collective carries both.
     */
    List<Tensor> allGather(Tensor local, boolean withGrad);

    /**
     * loss(blocks, inputs) with blocks = every rank's {@code local} in rank order and inputs this
     * rank's other tensors the loss reads (rows, logit scale). With {@code withGrad} the gradient
     * of each rank's block reaches that rank's {@code local}, summed over the ranks whose losses
     * use it (OpenCLIP's and LCL's GatherLayer). This default evaluates the loss on
     * {@link #allGather} so autograd carries that gradient; a process group whose collective is no
     * autograd node overrides it.
     */
    default Tensor lossOverGathered(Tensor local, List<Tensor> inputs, boolean withGrad, GatheredLoss loss) {
        return loss.apply(allGather(local, withGrad), inputs);
    }

    /** A loss over gathered blocks (rank order, entry {@link #rank()} this rank's) and this rank's other inputs. */
    @FunctionalInterface
    interface GatheredLoss {
        Tensor apply(List<Tensor> blocks, List<Tensor> inputs);
    }

    static FeatureGather singleProcess() {
        return SingleProcessGather.INSTANCE;
    }
}
