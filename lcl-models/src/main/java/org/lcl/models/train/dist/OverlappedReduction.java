package org.lcl.models.train.dist;

import java.util.ArrayList;
import java.util.List;

import org.lcl.torch.Device;
import org.lcl.torch.GradHook;
import org.lcl.torch.GradMode;
import org.lcl.torch.ProcessGroup;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;
import org.lcl.torch.Work;

/**
 * One backward's gradient all-reduce overlapped with that backward, as DDP's reducer: a hook on
 * every parameter's gradient accumulator counts the parameters of each bucket (buckets in reverse
 * parameter order, since backward produces the last layers' gradients first); when a bucket is
 * complete and every bucket before it has started, it is flattened and its all_reduce(sum)
 * starts. Buckets start in the same fixed order on every rank whatever each rank's graph holds,
 * so that the collectives pair up; {@link #finish()} starts the rest after backward (zeros for
 * gradients this rank lacks, as DDP with unused parameters). Parameters whose hook did not fire
 * in the previous step count as ready from the start (DDP marks locally unused parameters ready
 * likewise), so that one unused parameter does not hold back every later bucket.
 */
final class OverlappedReduction implements AutoCloseable {

    private final ProcessGroup group;
    private final List<Tensor> params;
    private final List<List<Integer>> buckets;
    private final int[] bucketOf;
    private final int[] pending;
    private final boolean[] accumulated;
    private final boolean[] expectedUnused;
    private final Tensor[] buffers;
    private final Work[] works;
    private final List<GradHook> hooks = new ArrayList<>();
    private int started;
    private int startedDuringBackward = -1;
    private boolean accumulatedAfterStart;
    private long nanos;

    /** expectedUnused: per parameter, true when no gradient is expected (null: none known). */
    OverlappedReduction(ProcessGroup group, List<Tensor> params, List<List<Integer>> buckets, boolean[] expectedUnused) {
        this.group = group;
        this.params = params;
        this.buckets = buckets;
        this.bucketOf = new int[params.size()];
        this.pending = new int[buckets.size()];
        this.accumulated = new boolean[params.size()];
        this.buffers = new Tensor[buckets.size()];
        this.works = new Work[buckets.size()];
        this.expectedUnused = expectedUnused != null ? expectedUnused.clone() : new boolean[params.size()];
        for (int b = 0; b < buckets.size(); b++) {
            for (int i : buckets.get(b)) {
                bucketOf[i] = b;
                pending[b] += this.expectedUnused[i] ? 0 : 1;
            }
        }
        try {
            for (int i = 0; i < params.size(); i++) {
                int index = i;
                hooks.add(params.get(i).registerGradAccumulatedHook(() -> onAccumulated(index)));
            }
            startReady();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Buckets whose all-reduce started from a hook, before {@link #finish()}; 0 until then. */
    int startedDuringBackward() {
        return Math.max(startedDuringBackward, 0);
    }

    /** Wall time spent flattening and starting collectives, and in {@link #finish()}. */
    long nanos() {
        return nanos;
    }

    // On CPU this runs on the thread calling backward; synchronized for CUDA's device threads.
    private synchronized void onAccumulated(int i) {
        if (accumulated[i]) {
            // A second accumulation in one backward (a parameter reached through two graphs, e.g.
            // inside and outside a checkpoint): a started bucket holds a stale value.
            accumulatedAfterStart |= bucketOf[i] < started;
            return;
        }
        accumulated[i] = true;
        if (expectedUnused[i]) {
            // Counted as ready already: fine unless its bucket went out without this gradient.
            accumulatedAfterStart |= bucketOf[i] < started;
            return;
        }
        pending[bucketOf[i]]--;
        startReady();
    }

    private void startReady() {
        while (started < buckets.size() && pending[started] == 0) {
            start(started++);
        }
    }

    /** After {@link #finish()}: the parameters whose hook did not fire (next step's expectedUnused). */
    synchronized boolean[] notAccumulated() {
        boolean[] out = new boolean[accumulated.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = !accumulated[i];
        }
        return out;
    }

    private void start(int b) {
        long t0 = System.nanoTime();
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            List<Tensor> flat = new ArrayList<>();
            for (int i : buckets.get(b)) {
                Tensor p = params.get(i);
                Tensor gr = p.grad();
                flat.add(gr != null ? gr.reshape(-1) : Torch.zeros(TensorOptions.of(p.dtype(), p.device()), p.numel()));
            }
            buffers[b] = Torch.cat(flat, 0).keep();
            works[b] = group.allReduceAsync(ProcessGroup.ReduceOp.SUM, List.of(buffers[b]));
        } finally {
            nanos += System.nanoTime() - t0;
        }
    }

    /**
     * After backward: starts the buckets not started yet, then averages. Returns the indices of
     * parameters with a gradient on no rank (left without one), or null when some rank saw a
     * gradient change after its bucket had started: then nothing is written and the caller
     * averages synchronously (every rank gets null alike).
     */
    synchronized List<Integer> finish() {
        long t0 = System.nanoTime();
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            removeHooks();
            startedDuringBackward = started;
            while (started < buckets.size()) {
                start(started++);
            }
            // Which parameters have a gradient anywhere, and whether any rank must fall back.
            float[] has = new float[params.size() + 1];
            for (int i = 0; i < params.size(); i++) {
                has[i] = params.get(i).grad() != null ? 1 : 0;
            }
            has[params.size()] = accumulatedAfterStart ? 1 : 0;
            Tensor present = Torch.tensor(has).to(params.isEmpty() ? Device.CPU : params.get(0).device());
            group.allReduce(ProcessGroup.ReduceOp.SUM, present);
            float[] anywhere = present.cpu().toFloatArray();
            for (Work w : works) {
                w.await();
            }
            if (anywhere[params.size()] > 0) {
                return null;
            }
            for (int b = 0; b < buckets.size(); b++) {
                copyBack(b, anywhere);
            }
            List<Integer> unused = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                if (anywhere[i] == 0) {
                    unused.add(i);
                }
            }
            return unused;
        } finally {
            nanos += System.nanoTime() - t0;
        }
    }

    private void copyBack(int b, float[] anywhere) {
        Tensor buffer = buffers[b];
        buffer.mul_(1.0 / group.size());
        long offset = 0;
        for (int i : buckets.get(b)) {
            Tensor p = params.get(i);
            Tensor avg = buffer.narrow(0, offset, p.numel()).view(p.shape());
            offset += p.numel();
            if (anywhere[i] == 0) {
                continue;
            }
            Tensor gr = p.grad();
            if (gr != null) {
                gr.copy_(avg);
            } else {
                // A parameter this rank's graph did not use: DDP gives it the average of the others.
                p.setGrad(avg.clone());
            }
        }
    }

    private void removeHooks() {
        for (GradHook h : hooks) {
            h.close();
        }
        hooks.clear();
    }

    /** Removes the hooks and frees the buffers; a started collective is waited for first. */
    @Override
    public synchronized void close() {
        removeHooks();
        for (int b = 0; b < buckets.size(); b++) {
            if (works[b] != null) {
                works[b].close();
                works[b] = null;
            }
            if (buffers[b] != null) {
                buffers[b].close();
                buffers[b] = null;
            }
        }
    }
}
