package org.lcl.models.train;

import java.util.List;

import org.lcl.torch.Tensor;

/**
 * What the trainer needs from the other processes of a data-parallel run (DDP's part of
 * OpenCLIP's loop); {@link #none()} for one process. Every rank calls the same methods in the
 * same order.
 */
public interface DataParallel {

    int rank();

    int worldSize();

    /** Copies rank 0's values into these tensors (parameters and buffers at the start). */
    void broadcastFromRankZero(List<Tensor> tensors);

    /**
     * Called just before the backward of the last micro-batch of a step (the one whose gradients
     * {@link #averageGradients} then averages), so that communication can overlap it.
     */
    default void beforeFinalBackward(List<Tensor> params) {
    }

    /**
     * Averages the gradients of params over the ranks (after the backward of the last micro-batch
     * of a step). A parameter with a gradient on some rank gets one everywhere (zeros where it had
     * none, as DDP with unused parameters); returns the indices of params with a gradient on no
     * rank (left without one, so the optimiser skips them as in one process).
     */
    List<Integer> averageGradients(List<Tensor> params);

    /** True when flag is true on any rank (so that every rank takes the same branch). */
    boolean anyRank(boolean flag);

    static DataParallel none() {
        return SingleProcess.INSTANCE;
    }

    /** One process: nothing to exchange. */
    enum SingleProcess implements DataParallel {
        INSTANCE;

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void broadcastFromRankZero(List<Tensor> tensors) {
        }

        @Override
        public List<Integer> averageGradients(List<Tensor> params) {
            return List.of();
        }

        @Override
        public boolean anyRank(boolean flag) {
            return flag;
        }
    }
}
