package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.lcl.torch.ffi.lcl_torch_h;

/**
 * Per-thread state of the tensor layer: the innermost open {@link Scope} and a native scratch
 * area for out-parameters and small argument arrays, so that an op allocates no native memory
 * of its own. Everything here is touched by its own thread only.
 */
final class ThreadState {

    static final int MAX_DIMS = 64;
    static final int MAX_HANDLES = 256;

    private static final ThreadLocal<ThreadState> CURRENT = ThreadLocal.withInitial(ThreadState::new);

    final Thread thread = Thread.currentThread();
    Scope scope;
    /**
     * The emptied slot array of the last scope closed on this thread, for the next one opened: a
     * scope per iteration then allocates only itself. Less allocation per op means fewer young
     * collections and, in a fresh JVM, fewer first touches of heap pages (docs/benchmarks.md).
     */
    private Tensor[] spareSlots;

    private final MemorySegment scratch;
    /** Out-parameter slots for tensor handles. */
    final MemorySegment out0;
    final MemorySegment out1;
    /** Out-parameter slots for scalars. */
    final MemorySegment longOut;
    final MemorySegment intOut;
    final MemorySegment intOut2;
    final MemorySegment doubleOut;
    /** Argument arrays: dims and handles. */
    final MemorySegment longs;
    final MemorySegment handles;

    private ThreadState() {
        // Freed by the GC when the thread and its state are gone; small and allocated once.
        long size = 64 + 8L * MAX_DIMS + 8L * MAX_HANDLES;
        scratch = Arena.ofAuto().allocate(size, 16);
        out0 = scratch.asSlice(0, 8);
        out1 = scratch.asSlice(8, 8);
        longOut = scratch.asSlice(16, 8);
        doubleOut = scratch.asSlice(24, 8);
        intOut = scratch.asSlice(32, 4);
        intOut2 = scratch.asSlice(36, 4);
        longs = scratch.asSlice(64, 8L * MAX_DIMS);
        handles = scratch.asSlice(64 + 8L * MAX_DIMS, 8L * MAX_HANDLES);
    }

    /**
     * libtorch keeps grad mode and autocast per OS thread; a virtual thread can move between
     * carriers, so its state would leak to other virtual threads.
     */
    static void requirePlatformThread(String what) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException(what + " is thread-local in libtorch: use a platform thread, not a virtual thread");
        }
    }

    /** A slot array for a new scope: the spare one when there is one (all null), else a small new one. */
    Tensor[] takeSlots() {
        Tensor[] slots = spareSlots;
        if (slots == null) {
            return new Tensor[8];
        }
        spareSlots = null;
        return slots;
    }

    /** Keeps a closed scope's emptied slot array for reuse, unless it grew large. */
    void giveBackSlots(Tensor[] slots) {
        if (slots.length <= 1024) {
            spareSlots = slots;
        }
    }

    static ThreadState current() {
        return CURRENT.get();
    }

    /** Checks a status returned by the C API; on failure throws with libtorch's message. */
    static void check(int status, String op) {
        if (status != 0) {
            throw new TorchException(op, lastError());
        }
    }

    /**
     * For an upcall (a Java callback libtorch calls) that failed: records t as the thread's error
     * for the C API to report, and returns the upcall's failure status. Never throws, since an
     * exception escaping an upcall ends the JVM.
     */
    static int failUpcall(Throwable t) {
        try (Arena a = Arena.ofConfined()) {
            lcl_torch_h.lcl_set_error(a.allocateFrom(t.getClass().getSimpleName() + ": " + t.getMessage()));
        } catch (Throwable ignored) {
            // Nothing more can be reported from inside the callback.
        }
        return 1;
    }

    static String lastError() {
        MemorySegment msg = lcl_torch_h.lcl_last_error();
        return msg.equals(MemorySegment.NULL) ? "(no message)" : msg.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Wraps the handle in out-slot 0 as a tensor owned by the current scope. */
    Tensor take0() {
        return Tensor.adopt(out0.get(JAVA_LONG, 0), this);
    }

    Tensor take1() {
        return Tensor.adopt(out1.get(JAVA_LONG, 0), this);
    }

    /** Wraps a handle slot that may be NULL (an undefined tensor), returning null for it. */
    Tensor take0OrNull() {
        long h = out0.get(JAVA_LONG, 0);
        return h == 0 ? null : Tensor.adopt(h, this);
    }

    long longResult() {
        return longOut.get(JAVA_LONG, 0);
    }

    int intResult() {
        return intOut.get(JAVA_INT, 0);
    }

    double doubleResult() {
        return doubleOut.get(JAVA_DOUBLE, 0);
    }

    /** Copies dims into the scratch argument array (or a fresh one when they do not fit). */
    MemorySegment dims(long[] values, Arena overflow) {
        if (values.length <= MAX_DIMS) {
            MemorySegment.copy(values, 0, longs, JAVA_LONG, 0, values.length);
            return longs;
        }
        return overflow.allocateFrom(JAVA_LONG, values);
    }

    MemorySegment dims(long[] values) {
        if (values.length > MAX_DIMS) {
            throw new IllegalArgumentException("at most " + MAX_DIMS + " dimensions are supported, got " + values.length);
        }
        MemorySegment.copy(values, 0, longs, JAVA_LONG, 0, values.length);
        return longs;
    }

    /** The handles of tensors as a native array: scratch when it fits, else allocated in arena. */
    MemorySegment handles(List<Tensor> tensors, Arena overflow) {
        int n = tensors.size();
        MemorySegment array = n <= MAX_HANDLES ? handles : overflow.allocate(ADDRESS, n);
        for (int i = 0; i < n; i++) {
            array.setAtIndex(ADDRESS, i, tensors.get(i).handle());
        }
        return array;
    }

    /** An output array for n handles: scratch when it fits, else allocated in arena. */
    MemorySegment handleOutputs(int n, Arena overflow) {
        return n <= MAX_HANDLES ? handles : overflow.allocate(ADDRESS, n);
    }
}
