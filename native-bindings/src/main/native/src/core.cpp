// Errors, library information, lifetime, creation, metadata and data movement.
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <c10/core/GradMode.h>

#include <cstring>

#include "common.h"

namespace lcl {

namespace {
thread_local std::string last_error;
}

void set_error(const char *message) { last_error.assign(message ? message : "(no message)"); }

const char *error_message() noexcept { return last_error.c_str(); }

at::ScalarType scalar_type(int32_t code) {
    switch (code) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 11: case 15:
            return static_cast<at::ScalarType>(code);
        default:
            throw std::invalid_argument("unsupported dtype code " + std::to_string(code));
    }
}

at::Device device(int32_t type, int32_t index) {
    switch (type) {
        case 0:
            return at::Device(at::kCPU);
        case 1:
            if (!at::hasCUDA()) {
                throw std::invalid_argument(
                    "device cuda:" + std::to_string(index < 0 ? 0 : index) +
                    " requested, but this libtorch has no usable CUDA (CPU-only build, no driver, or no GPU)");
            }
            return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
        default:
            throw std::invalid_argument("unsupported device type code " + std::to_string(type));
    }
}

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
    return at::TensorOptions().dtype(scalar_type(dtype)).device(device(device_type, device_index));
}

void give_list(std::vector<at::Tensor> &&parts, lcl_tensor **outs, int64_t capacity, int64_t *count) {
    *count = static_cast<int64_t>(parts.size());
    if (*count > capacity) {
        throw std::invalid_argument("result has " + std::to_string(*count) +
                                    " tensors but the caller provided room for " + std::to_string(capacity));
    }
    for (size_t i = 0; i < parts.size(); ++i) {
        outs[i] = give(std::move(parts[i]));
    }
}

namespace {

// *_like with an optional dtype override (-1 keeps the input's).
at::TensorOptions like(const at::Tensor &t, int32_t dtype) {
    auto o = t.options();
    return dtype < 0 ? o : o.dtype(scalar_type(dtype));
}

int64_t nbytes_of(const at::Tensor &t) { return t.numel() * static_cast<int64_t>(t.element_size()); }

void check_nbytes(const at::Tensor &t, int64_t nbytes) {
    if (nbytes != nbytes_of(t)) {
        throw std::invalid_argument("buffer of " + std::to_string(nbytes) + " bytes does not match tensor of " +
                                    std::to_string(t.numel()) + " elements of " + std::to_string(t.element_size()) +
                                    " bytes (" + std::to_string(nbytes_of(t)) + " bytes)");
    }
}

}  // namespace
}  // namespace lcl

using namespace lcl;

LCL_API const char *lcl_last_error(void) { return error_message(); }

LCL_API lcl_status lcl_version(int32_t *major, int32_t *minor, int32_t *patch) {
    return guard([&] {
        *major = TORCH_VERSION_MAJOR;
        *minor = TORCH_VERSION_MINOR;
        *patch = TORCH_VERSION_PATCH;
    });
}

LCL_API lcl_status lcl_cuda_compiled(int32_t *out) {
    return guard([&] {
#ifdef LCL_CUDA_LINKED
        *out = 1;
#else
        *out = 0;
#endif
    });
}

LCL_API lcl_status lcl_manual_seed(int64_t seed) {
    return guard([&] {
        at::manual_seed(static_cast<uint64_t>(seed));
    });
}

LCL_API lcl_status lcl_set_num_threads(int32_t n) {
    return guard([&] {
        if (n < 1) throw std::invalid_argument("thread count must be >= 1, got " + std::to_string(n));
        at::set_num_threads(n);
    });
}

LCL_API lcl_status lcl_get_num_threads(int32_t *out) {
    return guard([&] { *out = at::get_num_threads(); });
}

LCL_API lcl_status lcl_tensor_free(lcl_tensor *t) {
    release(t);
    return 0;
}

LCL_API lcl_status lcl_tensor_share(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get()); });
}

LCL_API lcl_status lcl_from_data(const void *data, const int64_t *shape, int64_t ndim, int32_t dtype,
                                 int32_t device_type, int32_t device_index, lcl_tensor **out) {
    return guard([&] {
        auto host = at::empty(dims(shape, ndim), at::TensorOptions().dtype(scalar_type(dtype)));
        if (host.numel() > 0) {
            std::memcpy(host.data_ptr(), data, static_cast<size_t>(nbytes_of(host)));
        }
        auto dev = device(device_type, device_index);
        *out = give(dev.is_cpu() ? std::move(host) : host.to(dev));
    });
}

LCL_API lcl_status lcl_empty(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                             int32_t device_index, int32_t pin_memory, lcl_tensor **out) {
    return guard([&] {
        *out = give(at::empty(dims(shape, ndim),
                              options(dtype, device_type, device_index).pinned_memory(pin_memory != 0)));
    });
}

LCL_API lcl_status lcl_zeros(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                             int32_t device_index, lcl_tensor **out) {
    return guard([&] { *out = give(at::zeros(dims(shape, ndim), options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_ones(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                            int32_t device_index, lcl_tensor **out) {
    return guard([&] { *out = give(at::ones(dims(shape, ndim), options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_full(const int64_t *shape, int64_t ndim, double value, int32_t dtype,
                            int32_t device_type, int32_t device_index, lcl_tensor **out) {
    return guard([&] {
        *out = give(at::full(dims(shape, ndim), value, options(dtype, device_type, device_index)));
    });
}

LCL_API lcl_status lcl_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                              int32_t device_index, lcl_tensor **out) {
    return guard([&] { *out = give(at::arange(start, end, step, options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t device_type,
                                int32_t device_index, lcl_tensor **out) {
    return guard([&] { *out = give(at::linspace(start, end, steps, options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_randn(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                             int32_t device_index, lcl_tensor **out) {
    return guard([&] { *out = give(at::randn(dims(shape, ndim), options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_rand(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                            int32_t device_index, lcl_tensor **out) {
    return guard([&] { *out = give(at::rand(dims(shape, ndim), options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int32_t dtype,
                               int32_t device_type, int32_t device_index, lcl_tensor **out) {
    return guard([&] {
        *out = give(at::randint(low, high, dims(shape, ndim), options(dtype, device_type, device_index)));
    });
}

LCL_API lcl_status lcl_randperm(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index,
                                lcl_tensor **out) {
    return guard([&] { *out = give(at::randperm(n, options(dtype, device_type, device_index))); });
}

LCL_API lcl_status lcl_normal_(lcl_tensor *t, double mean, double std) {
    return guard([&] { ref(t).get().normal_(mean, std); });
}

LCL_API lcl_status lcl_uniform_(lcl_tensor *t, double from, double to) {
    return guard([&] { ref(t).get().uniform_(from, to); });
}

LCL_API lcl_status lcl_fill_(lcl_tensor *t, double value) {
    return guard([&] { ref(t).get().fill_(value); });
}

LCL_API lcl_status lcl_zero_(lcl_tensor *t) {
    return guard([&] { ref(t).get().zero_(); });
}

LCL_API lcl_status lcl_copy_(lcl_tensor *dst, lcl_tensor *src, int32_t non_blocking) {
    return guard([&] { ref(dst).get().copy_(ref(src), non_blocking != 0); });
}

LCL_API lcl_status lcl_empty_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        *out = give(at::empty_like(b.get(), like(b.get(), dtype)));
    });
}

LCL_API lcl_status lcl_zeros_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        *out = give(at::zeros_like(b.get(), like(b.get(), dtype)));
    });
}

LCL_API lcl_status lcl_ones_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        *out = give(at::ones_like(b.get(), like(b.get(), dtype)));
    });
}

LCL_API lcl_status lcl_full_like(lcl_tensor *t, double value, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        *out = give(at::full_like(b.get(), value, like(b.get(), dtype)));
    });
}

LCL_API lcl_status lcl_randn_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        *out = give(at::randn_like(b.get(), like(b.get(), dtype)));
    });
}

LCL_API lcl_status lcl_rand_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        *out = give(at::rand_like(b.get(), like(b.get(), dtype)));
    });
}

LCL_API lcl_status lcl_dim(lcl_tensor *t, int64_t *out) {
    return guard([&] { *out = ref(t).get().dim(); });
}

LCL_API lcl_status lcl_shape(lcl_tensor *t, int64_t *sizes, int64_t capacity, int64_t *ndim) {
    return guard([&] {
        auto b = ref(t);
        auto s = b.get().sizes();
        *ndim = static_cast<int64_t>(s.size());
        for (int64_t i = 0; i < *ndim && i < capacity; ++i) sizes[i] = s[i];
    });
}

LCL_API lcl_status lcl_strides(lcl_tensor *t, int64_t *strides, int64_t capacity, int64_t *ndim) {
    return guard([&] {
        auto b = ref(t);
        auto s = b.get().strides();
        *ndim = static_cast<int64_t>(s.size());
        for (int64_t i = 0; i < *ndim && i < capacity; ++i) strides[i] = s[i];
    });
}

LCL_API lcl_status lcl_dtype(lcl_tensor *t, int32_t *out) {
    return guard([&] { *out = static_cast<int32_t>(ref(t).get().scalar_type()); });
}

LCL_API lcl_status lcl_device(lcl_tensor *t, int32_t *device_type, int32_t *device_index) {
    return guard([&] {
        auto d = ref(t).get().device();
        *device_type = static_cast<int32_t>(d.type());
        *device_index = d.index();
    });
}

LCL_API lcl_status lcl_numel(lcl_tensor *t, int64_t *out) {
    return guard([&] { *out = ref(t).get().numel(); });
}

LCL_API lcl_status lcl_requires_grad(lcl_tensor *t, int32_t *out) {
    return guard([&] { *out = ref(t).get().requires_grad() ? 1 : 0; });
}

LCL_API lcl_status lcl_is_contiguous(lcl_tensor *t, int32_t *out) {
    return guard([&] { *out = ref(t).get().is_contiguous() ? 1 : 0; });
}

LCL_API lcl_status lcl_is_pinned(lcl_tensor *t, int32_t *out) {
    return guard([&] { *out = ref(t).get().is_pinned() ? 1 : 0; });
}

LCL_API lcl_status lcl_copy_to_host(lcl_tensor *t, void *dst, int64_t nbytes) {
    return guard([&] {
        auto b = ref(t);
        check_nbytes(b.get(), nbytes);
        if (nbytes == 0) return;
        c10::NoGradGuard no_grad;
        auto host = b.get().device().is_cpu() ? b.get().contiguous() : b.get().to(at::kCPU).contiguous();
        std::memcpy(dst, host.data_ptr(), static_cast<size_t>(nbytes));
    });
}

LCL_API lcl_status lcl_copy_from_host(lcl_tensor *t, const void *src, int64_t nbytes) {
    return guard([&] {
        auto b = ref(t);
        const at::Tensor &x = b.get();
        check_nbytes(x, nbytes);
        if (nbytes == 0) return;
        c10::NoGradGuard no_grad;
        if (x.device().is_cpu() && x.is_contiguous()) {
            std::memcpy(x.data_ptr(), src, static_cast<size_t>(nbytes));
        } else {
            auto host = at::from_blob(const_cast<void *>(src), x.sizes(), x.options().device(at::kCPU));
            x.copy_(host);
        }
    });
}

LCL_API lcl_status lcl_item_double(lcl_tensor *t, double *out) {
    return guard([&] { *out = ref(t).get().item<double>(); });
}

LCL_API lcl_status lcl_item_int64(lcl_tensor *t, int64_t *out) {
    return guard([&] { *out = ref(t).get().item<int64_t>(); });
}

LCL_API lcl_status lcl_to(lcl_tensor *t, int32_t dtype, int32_t device_type, int32_t device_index,
                          int32_t non_blocking, int32_t copy, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(t);
        const at::Tensor &x = b.get();
        auto st = dtype < 0 ? x.scalar_type() : scalar_type(dtype);
        auto dev = device_type < 0 ? x.device() : device(device_type, device_index);
        *out = give(x.to(dev, st, non_blocking != 0, copy != 0));
    });
}

LCL_API lcl_status lcl_pin_memory(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().pin_memory()); });
}

LCL_API lcl_status lcl_clone(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().clone()); });
}
