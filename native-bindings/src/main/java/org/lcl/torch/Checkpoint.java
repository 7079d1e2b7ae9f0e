package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.UnaryOperator;

import org.lcl.torch.ffi.lcl_forward_fn;

/**
 * Gradient checkpointing of a function ({@code torch.utils.checkpoint}, reentrant form): the
 * forward pass keeps no intermediate activations; backward runs the function again, with the
 * same RNG and autocast state, and backpropagates through it. Gradients reach parameters the
 * function uses and the input (when it requires grad).
 *
 * <p>Create one per function and keep it as long as graphs built with it may run backward
 * (e.g. as a field of the module it wraps): its native callback lives as long as this object.
 */
public final class Checkpoint {

    private final UnaryOperator<Tensor> function;
    private final MemorySegment stub;

    public Checkpoint(UnaryOperator<Tensor> function) {
        NativeLibrary.ensureLoaded();
        this.function = function;
        this.stub = lcl_forward_fn.allocate(this::call, Arena.ofAuto());
    }

    /** function(input), without storing the activations inside it for backward. */
    public Tensor apply(Tensor input) {
        ThreadState s = ThreadState.current();
        check(lcl_checkpoint(stub, MemorySegment.NULL, input.handle(), s.out0), "checkpoint");
        return s.take0();
    }

    /** Called from native code: must never throw (an exception in an upcall ends the JVM). */
    private int call(MemorySegment ctx, MemorySegment input, MemorySegment output) {
        try (Scope scope = Scope.open()) {
            ThreadState s = ThreadState.current();
            check(org.lcl.torch.ffi.lcl_torch_h.lcl_tensor_share(input, s.out0), "checkpoint");
            Tensor x = s.take0();
            Tensor y = function.apply(x).share();
            output.reinterpret(ValueLayout.ADDRESS.byteSize()).set(ValueLayout.ADDRESS, 0, y.release());
            return 0;
        } catch (Throwable t) {
            return ThreadState.failUpcall(t);
        }
    }
}
