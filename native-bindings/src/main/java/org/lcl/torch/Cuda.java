package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.*;

/** CUDA queries and memory statistics ({@code torch.cuda.*}). */
public final class Cuda {

    static {
        NativeLibrary.ensureLoaded();
    }

    private Cuda() {}

    /** True when libtorch has CUDA and a driver and at least one GPU are present. */
    public static boolean isAvailable() {
        ThreadState s = ThreadState.current();
        check(lcl_cuda_is_available(s.intOut), "cuda.is_available");
        return s.intResult() != 0;
    }

    public static int deviceCount() {
        ThreadState s = ThreadState.current();
        check(lcl_cuda_device_count(s.intOut), "cuda.device_count");
        return s.intResult();
    }

    public static void synchronize(int device) {
        check(lcl_cuda_synchronize(device), "cuda.synchronize");
    }

    public static long memoryAllocated(int device) {
        ThreadState s = ThreadState.current();
        check(lcl_cuda_memory_allocated(device, s.longOut), "cuda.memory_allocated");
        return s.longResult();
    }

    public static long memoryReserved(int device) {
        ThreadState s = ThreadState.current();
        check(lcl_cuda_memory_reserved(device, s.longOut), "cuda.memory_reserved");
        return s.longResult();
    }

    public static long maxMemoryAllocated(int device) {
        ThreadState s = ThreadState.current();
        check(lcl_cuda_max_memory_allocated(device, s.longOut), "cuda.max_memory_allocated");
        return s.longResult();
    }

    public static void resetPeakMemoryStats(int device) {
        check(lcl_cuda_reset_peak_memory_stats(device), "cuda.reset_peak_memory_stats");
    }

    public static void emptyCache() {
        check(lcl_cuda_empty_cache(), "cuda.empty_cache");
    }
}
