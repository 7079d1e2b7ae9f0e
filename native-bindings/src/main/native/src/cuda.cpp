// CUDA queries and memory statistics. The runtime checks go through libtorch's CUDA hooks,
// which work in every build; the allocator statistics need the CUDA headers (LCL_WITH_CUDA).
#include "common.h"

#ifdef LCL_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <ATen/cuda/CUDAContext.h>
#endif
#include <ATen/detail/CUDAHooksInterface.h>

using namespace lcl;

namespace {

[[noreturn]] void no_cuda(const char *what) {
    throw std::runtime_error(std::string(what) +
                             ": this build of lcl_torch has no CUDA support (libtorch without CUDA, or built without "
                             "its CUDA headers)");
}

#ifdef LCL_WITH_CUDA
c10::DeviceIndex cuda_index(int32_t index) {
    if (!at::hasCUDA()) throw std::runtime_error("CUDA is not available (no driver or no GPU)");
    auto count = static_cast<int32_t>(c10::cuda::device_count());
    auto i = index < 0 ? static_cast<int32_t>(c10::cuda::current_device()) : index;
    if (i >= count) {
        throw std::invalid_argument("cuda:" + std::to_string(i) + " requested, but only " + std::to_string(count) +
                                    " CUDA device(s) are visible");
    }
    return static_cast<c10::DeviceIndex>(i);
}

using Stat = c10::cuda::CUDACachingAllocator::DeviceStats;
constexpr auto kAggregate = static_cast<size_t>(c10::cuda::CUDACachingAllocator::StatType::AGGREGATE);
Stat stats(int32_t index) { return c10::cuda::CUDACachingAllocator::getDeviceStats(cuda_index(index)); }
#endif

}  // namespace

LCL_API lcl_status lcl_cuda_is_available(int32_t *out) {
    return guard([&] { *out = at::hasCUDA() ? 1 : 0; });
}

LCL_API lcl_status lcl_cuda_device_count(int32_t *out) {
    return guard([&] { *out = at::hasCUDA() ? static_cast<int32_t>(at::detail::getCUDAHooks().getNumGPUs()) : 0; });
}

LCL_API lcl_status lcl_cuda_synchronize(int32_t device_index) {
    return guard([&] {
#ifdef LCL_WITH_CUDA
        c10::cuda::CUDAGuard g(cuda_index(device_index));
        c10::cuda::device_synchronize();
#else
        (void)device_index;
        no_cuda("cuda synchronize");
#endif
    });
}

LCL_API lcl_status lcl_cuda_memory_allocated(int32_t device_index, int64_t *out) {
    return guard([&] {
#ifdef LCL_WITH_CUDA
        *out = stats(device_index).allocated_bytes[kAggregate].current;
#else
        (void)device_index;
        (void)out;
        no_cuda("cuda memory_allocated");
#endif
    });
}

LCL_API lcl_status lcl_cuda_memory_reserved(int32_t device_index, int64_t *out) {
    return guard([&] {
#ifdef LCL_WITH_CUDA
        *out = stats(device_index).reserved_bytes[kAggregate].current;
#else
        (void)device_index;
        (void)out;
        no_cuda("cuda memory_reserved");
#endif
    });
}

LCL_API lcl_status lcl_cuda_max_memory_allocated(int32_t device_index, int64_t *out) {
    return guard([&] {
#ifdef LCL_WITH_CUDA
        *out = stats(device_index).allocated_bytes[kAggregate].peak;
#else
        (void)device_index;
        (void)out;
        no_cuda("cuda max_memory_allocated");
#endif
    });
}

LCL_API lcl_status lcl_cuda_reset_peak_memory_stats(int32_t device_index) {
    return guard([&] {
#ifdef LCL_WITH_CUDA
        c10::cuda::CUDACachingAllocator::resetPeakStats(cuda_index(device_index));
#else
        (void)device_index;
        no_cuda("cuda reset_peak_memory_stats");
#endif
    });
}

LCL_API lcl_status lcl_cuda_empty_cache(void) {
    return guard([&] {
#ifdef LCL_WITH_CUDA
        if (at::hasCUDA()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    });
}

LCL_API lcl_status lcl_cuda_manual_seed_all(int64_t seed) {
    return guard([&] {
        // at::manual_seed seeds every device's default generator, CUDA ones included when present.
        at::manual_seed(static_cast<uint64_t>(seed));
    });
}
