package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_grad_hook_remove;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_tensor_register_grad_accumulated_hook;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.lcl.torch.ffi.lcl_hook_fn;

/**
 * A callback run each time backward has accumulated a gradient into a leaf (a post hook of its
 * AccumulateGrad node, so {@link Tensor#grad()} already holds the new value). It runs on the
 * thread executing that part of backward: on CPU the thread that called backward (verified on
 * libtorch 1.13 by GradHookTest), on CUDA possibly libtorch's device thread. An exception in the
 * callback does not cross into native code: it fails that backward with a {@link TorchException}
 * carrying its message. Closing removes the hook; until then it keeps the leaf's gradient
 * accumulator, so every graph built meanwhile reaches the hook. A hook never closed stays
 * registered (and reachable) for the life of the process rather than leaving native code a
 * dangling callback.
 */
public final class GradHook implements AutoCloseable {

    // Open hooks, so that the garbage collector never frees a stub native code may still call.
    private static final Set<GradHook> OPEN = ConcurrentHashMap.newKeySet();

    private final Runnable callback;
    private final MemorySegment stub; // keeps the automatic arena, hence the upcall, alive
    private final MemorySegment handle;
    private boolean closed;

    GradHook(Tensor leaf, Runnable callback) {
        this.callback = callback;
        // An automatic arena: closing a shared one per hook and step would cost a handshake each.
        this.stub = lcl_hook_fn.allocate(this::call, Arena.ofAuto());
        ThreadState s = ThreadState.current();
        check(lcl_tensor_register_grad_accumulated_hook(leaf.handle(), stub, MemorySegment.NULL, s.out0),
                "register gradient hook");
        this.handle = s.out0.get(ValueLayout.ADDRESS, 0);
        OPEN.add(this);
    }

    /** Called from native code: must never throw (an exception in an upcall ends the JVM). */
    private int call(MemorySegment ctx) {
        try {
            callback.run();
            return 0;
        } catch (Throwable t) {
            return ThreadState.failUpcall(t);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                check(lcl_grad_hook_remove(handle), "remove gradient hook");
            } finally {
                OPEN.remove(this);
            }
        }
    }
}
