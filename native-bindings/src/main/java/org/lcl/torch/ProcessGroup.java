package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_pg_allgather;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_pg_allreduce;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_pg_allreduce_async;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_pg_barrier;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_pg_broadcast;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_process_group_create;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_process_group_free;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A c10d process group (ProcessGroupGloo for CPU tensors, ProcessGroupNCCL for CUDA ones) over a
 * {@link TcpStore}. Collectives are synchronous and act in place; each waits at most the group's
 * timeout for the other ranks, then throws a {@link TorchException} naming the collective, so a
 * rank whose peer died does not hang forever. Every rank must call the same collectives in the
 * same order.
 */
public final class ProcessGroup implements AutoCloseable {

    /** The c10d backend. */
    public enum Backend {
        GLOO(0), NCCL(1);

        private final int code;

        Backend(int code) {
            this.code = code;
        }

        /** NCCL for CUDA devices, Gloo otherwise (as torch.distributed's default choice). */
        public static Backend forDevice(Device device) {
            return device.type() == Device.Type.CUDA ? NCCL : GLOO;
        }
    }

    /** torch.distributed.ReduceOp; AVG is a sum divided by the world size (floating point only). */
    public enum ReduceOp {
        SUM, AVG, MAX, MIN
    }

    private final MemorySegment handle;
    private final Backend backend;
    private final int rank;
    private final int size;
    private final Duration timeout;
    private boolean closed;

    private ProcessGroup(MemorySegment handle, Backend backend, int rank, int size, Duration timeout) {
        this.handle = handle;
        this.backend = backend;
        this.rank = rank;
        this.size = size;
        this.timeout = timeout;
    }

    /** Joins the group: blocks until all worldSize ranks have joined through the store, or the timeout. */
    public static ProcessGroup create(TcpStore store, Backend backend, int rank, int worldSize, Duration timeout) {
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside a world of " + worldSize);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(lcl_process_group_create(store.handle(), backend.code, rank, worldSize, timeout.toMillis(), out),
                    "ProcessGroup" + backend.name().charAt(0) + backend.name().substring(1).toLowerCase(java.util.Locale.ROOT)
                            + "(rank " + rank + " of " + worldSize + ")");
            return new ProcessGroup(out.get(ADDRESS, 0), backend, rank, worldSize, timeout);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public Backend backend() {
        return backend;
    }

    public Duration timeout() {
        return timeout;
    }

    /** all_reduce of each tensor on its own, in place. */
    public void allReduce(ReduceOp op, List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            check(lcl_pg_allreduce(handle(), handles(a, tensors), tensors.size(), op.ordinal()), "all_reduce " + op.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    public void allReduce(ReduceOp op, Tensor... tensors) {
        allReduce(op, List.of(tensors));
    }

    /**
     * all_reduce of each tensor on its own, in place, started without waiting (async_op=True):
     * the tensors hold the result after {@link Work#await()}. Ranks must start their
     * collectives in the same order.
     */
    public Work allReduceAsync(ReduceOp op, List<Tensor> tensors) {
        String what = "all_reduce " + op.name().toLowerCase(java.util.Locale.ROOT) + " (async)";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(lcl_pg_allreduce_async(handle(), handles(a, tensors), tensors.size(), op.ordinal(), out), what);
            return new Work(out.get(ADDRESS, 0), what);
        }
    }

    /** all_gather: every rank's t (same shape everywhere), in rank order, as new tensors in the current scope. */
    public List<Tensor> allGather(Tensor t) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment outs = a.allocate(ADDRESS, size);
            check(lcl_pg_allgather(handle(), t.handle(), outs, size), "all_gather");
            ThreadState s = ThreadState.current();
            List<Tensor> r = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                r.add(Tensor.adopt(outs.getAtIndex(JAVA_LONG, i), s));
            }
            return r;
        }
    }

    /** broadcast from root into each tensor, in place. */
    public void broadcast(int root, List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            check(lcl_pg_broadcast(handle(), handles(a, tensors), tensors.size(), root), "broadcast from rank " + root);
        }
    }

    public void barrier() {
        check(lcl_pg_barrier(handle()), "barrier");
    }

    private static MemorySegment handles(Arena a, List<Tensor> ts) {
        MemorySegment m = a.allocate(ADDRESS, ts.size());
        for (int i = 0; i < ts.size(); i++) {
            m.setAtIndex(ADDRESS, i, ts.get(i).handle());
        }
        return m;
    }

    private MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("process group (rank " + rank + " of " + size + ") is closed");
        }
        return handle;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(lcl_process_group_free(handle), "process group free");
        }
    }
}
