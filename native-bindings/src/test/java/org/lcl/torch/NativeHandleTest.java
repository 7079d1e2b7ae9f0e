package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.lcl.torch.ffi.lcl_torch_h;

/** Tensor.nativeHandle(): the borrowed lcl_tensor* that native code built against lcl_torch.h receives. */
class NativeHandleTest {

    @Test
    void theHandleIsTheTensorNativeCodeSees() {
        try (Tensor t = Torch.zeros(3, 5); Arena arena = Arena.ofConfined()) {
            MemorySegment numel = arena.allocate(ValueLayout.JAVA_LONG);
            assertEquals(0, lcl_torch_h.lcl_numel(t.nativeHandle(), numel));
            assertEquals(15, numel.get(ValueLayout.JAVA_LONG, 0));

            // A reference taken by native code outlives the Java tensor.
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            assertEquals(0, lcl_torch_h.lcl_tensor_share(t.nativeHandle(), out));
            MemorySegment shared = out.get(ValueLayout.ADDRESS, 0);
            t.close();
            assertEquals(0, lcl_torch_h.lcl_numel(shared, numel));
            assertEquals(15, numel.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(0, lcl_torch_h.lcl_tensor_free(shared));
        }
    }

    @Test
    void aClosedTensorHasNoHandle() {
        Tensor t = Torch.ones(2);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::nativeHandle);
        assertTrue(e.getMessage().contains("tensor is closed"), e.getMessage());
    }
}
