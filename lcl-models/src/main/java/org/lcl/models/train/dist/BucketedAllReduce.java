package org.lcl.models.train.dist;

import java.util.ArrayList;
import java.util.List;

import org.lcl.models.train.DataParallel;
import org.lcl.torch.DType;
import org.lcl.torch.GradMode;
import org.lcl.torch.ProcessGroup;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * DDP's gradient averaging on a c10d group: the gradients flattened into buckets of at most
 * {@code bucketBytes} (DDP's 25 MB by default; one dtype and device per bucket, parameters in
 * the optimiser's order, the same on every rank), one all_reduce(sum) per bucket, divided by the
 * world size and copied back. With overlap (the default) the buckets are built in reverse order
 * and each one's all-reduce starts from gradient hooks during the final backward of a step, as
 * DDP's reducer ({@link OverlappedReduction}); without it, or when nothing was armed, all of it
 * runs after backward.
 */
public final class BucketedAllReduce implements DataParallel {

    /** DDP's default bucket_cap_mb. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final ProcessGroup group;
    private final long bucketBytes;
    private final boolean overlap;
    private OverlappedReduction armed;
    private boolean[] lastUnused;
    private long communicationNanos;
    private long overlappedBuckets;

    /** Overlapped with backward. */
    public BucketedAllReduce(ProcessGroup group, long bucketBytes) {
        this(group, bucketBytes, true);
    }

    public BucketedAllReduce(ProcessGroup group, long bucketBytes, boolean overlapWithBackward) {
        if (bucketBytes < 1) {
            throw new IllegalArgumentException("gradient bucket size must be positive, got " + bucketBytes);
        }
        this.group = group;
        this.bucketBytes = bucketBytes;
        this.overlap = overlapWithBackward;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    /**
     * Arms the gradient hooks for the coming backward (when overlapping and every parameter
     * requires grad, which the hooks need); {@link #averageGradients} finishes and disarms.
     */
    @Override
    public void beforeFinalBackward(List<Tensor> params) {
        disarm();
        if (overlap && params.stream().allMatch(Tensor::requiresGrad)) {
            List<Integer> reversed = new ArrayList<>(params.size());
            for (int i = params.size() - 1; i >= 0; i--) {
                reversed.add(i);
            }
            boolean[] expected = lastUnused != null && lastUnused.length == params.size() ? lastUnused : null;
            armed = new OverlappedReduction(group, params, buckets(params, reversed), expected);
        }
    }

    private void disarm() {
        if (armed != null) {
            OverlappedReduction r = armed;
            armed = null;
            communicationNanos += r.nanos();
            overlappedBuckets += r.startedDuringBackward();
            lastUnused = r.notAccumulated();
            r.close();
        }
    }

    /** Buckets whose all-reduce has started during backward so far (the overlapped ones). */
    public long overlappedBuckets() {
        return overlappedBuckets;
    }

    /** Wall time spent in gradient collectives so far (for the benchmark's communication time per step). */
    public long communicationNanos() {
        return communicationNanos;
    }

    @Override
    public void broadcastFromRankZero(List<Tensor> tensors) {
        try (GradMode g = GradMode.noGrad()) {
            group.broadcast(0, tensors);
        }
    }

    @Override
    public boolean anyRank(boolean flag) {
        try (Scope s = Scope.open()) {
            Tensor t = Torch.tensor(new float[] {flag ? 1 : 0});
            group.allReduce(ProcessGroup.ReduceOp.MAX, t);
            return t.item() > 0;
        }
    }

    @Override
    public List<Integer> averageGradients(List<Tensor> params) {
        if (armed != null) {
            List<Integer> unused;
            try {
                unused = armed.finish();
            } finally {
                disarm();
            }
            if (unused != null) {
                return unused;
            }
        }
        long t0 = System.nanoTime();
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            // Which parameters have a gradient anywhere: one small collective, so that every rank builds the same buckets.
            float[] has = new float[params.size()];
            List<Tensor> grads = new ArrayList<>(params.size());
            for (int i = 0; i < params.size(); i++) {
                Tensor gr = params.get(i).grad();
                grads.add(gr);
                has[i] = gr != null ? 1 : 0;
            }
            Tensor present = Torch.tensor(has).to(params.isEmpty() ? org.lcl.torch.Device.CPU : params.get(0).device());
            group.allReduce(ProcessGroup.ReduceOp.SUM, present);
            float[] anywhere = present.cpu().toFloatArray();
            List<Integer> unused = new ArrayList<>();
            List<Integer> synced = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                if (anywhere[i] > 0) {
                    synced.add(i);
                } else {
                    unused.add(i);
                }
            }
            for (List<Integer> bucket : buckets(params, synced)) {
                reduce(params, grads, bucket);
            }
            return unused;
        } finally {
            communicationNanos += System.nanoTime() - t0;
        }
    }

    /** Consecutive parameters of one dtype and device, at most bucketBytes each (a larger parameter gets its own). */
    private List<List<Integer>> buckets(List<Tensor> params, List<Integer> indices) {
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        long bytes = 0;
        Tensor first = null;
        for (int i : indices) {
            Tensor p = params.get(i);
            long b = p.numel() * p.dtype().elementSize();
            boolean compatible = first == null || (first.dtype() == p.dtype() && first.device().equals(p.device()));
            if (!cur.isEmpty() && (!compatible || bytes + b > bucketBytes)) {
                out.add(cur);
                cur = new ArrayList<>();
                bytes = 0;
            }
            if (cur.isEmpty()) {
                first = p;
            }
            cur.add(i);
            bytes += b;
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    private void reduce(List<Tensor> params, List<Tensor> grads, List<Integer> bucket) {
        try (Scope s = Scope.open()) {
            List<Tensor> flat = new ArrayList<>(bucket.size());
            for (int i : bucket) {
                Tensor p = params.get(i);
                Tensor gr = grads.get(i);
                flat.add(gr != null ? gr.reshape(-1) : Torch.zeros(TensorOptions.of(p.dtype(), p.device()), p.numel()));
            }
            Tensor buffer = Torch.cat(flat, 0);
            group.allReduce(ProcessGroup.ReduceOp.SUM, buffer);
            buffer.mul_(1.0 / group.size());
            long offset = 0;
            for (int i : bucket) {
                Tensor p = params.get(i);
                Tensor avg = buffer.narrow(0, offset, p.numel()).view(p.shape());
                offset += p.numel();
                if (grads.get(i) != null) {
                    grads.get(i).copy_(avg);
                } else {
                    // A parameter this rank's graph did not use: DDP gives it the average of the others.
                    p.setGrad(avg.clone());
                }
            }
        }
    }
}
