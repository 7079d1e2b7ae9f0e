package org.lcl.models.loss;

import java.util.List;

import org.lcl.torch.Tensor;

/** The gather of a run with one process: rank 0 of 1, every collective is the identity. */
enum SingleProcessGather implements FeatureGather {
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
    public long[] allCounts(long localCount) {
        return new long[] {localCount};
    }

    @Override
    public List<Tensor> allGather(Tensor local, boolean withGrad) {
        return List.of(local);
    }
}
