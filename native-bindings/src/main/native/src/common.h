// Internal helpers shared by the translation units of the C API. Never included by users.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "lcl_torch.h"

#define LCL_API extern "C" __attribute__((visibility("default")))

namespace lcl {

#if TORCH_VERSION_MAJOR >= 2
template <class T>
using optional = std::optional<T>;
inline constexpr auto nullopt = std::nullopt;
#else
template <class T>
using optional = c10::optional<T>;
inline constexpr auto nullopt = c10::nullopt;
#endif

using Impl = c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>;

void set_error(const char *message);

// Runs f, turning every C++ exception into a status and the thread's last error, so that
// no exception ever crosses the C boundary.
template <class F>
inline lcl_status guard(F &&f) noexcept {
    try {
        // libtorch sizes a thread's intra-op pool on its first parallel_for; kernels that go
        // straight to OpenMP (oneDNN's GELU) would otherwise spin a team of every CPU.
        at::internal::lazy_init_num_threads();
        f();
        return 0;
    } catch (const c10::Error &e) {
        set_error(e.what_without_backtrace());
    } catch (const std::exception &e) {
        set_error(e.what());
    } catch (...) {
        set_error("unknown C++ exception");
    }
    return 1;
}

// A handle is the TensorImpl* of an at::Tensor whose reference it owns. Borrowing wraps it
// without touching the reference count; the destructor gives the pointer back unreleased.
class Borrow {
public:
    explicit Borrow(lcl_tensor *h) noexcept
        : t_(h ? at::Tensor(Impl::reclaim(reinterpret_cast<at::TensorImpl *>(h))) : at::Tensor()) {}
    ~Borrow() {
        if (t_.defined()) {
            t_.unsafeReleaseTensorImpl();
        }
    }
    Borrow(const Borrow &) = delete;
    Borrow &operator=(const Borrow &) = delete;
    operator const at::Tensor &() const noexcept { return t_; }
    const at::Tensor &get() const noexcept { return t_; }

private:
    at::Tensor t_;
};

inline Borrow ref(lcl_tensor *h) {
    if (h == nullptr) {
        throw std::invalid_argument("tensor handle is null");
    }
    return Borrow(h);
}

// For optional tensor arguments (bias, mask, grad): NULL is an undefined tensor.
inline Borrow ref_or_undefined(lcl_tensor *h) noexcept { return Borrow(h); }

inline optional<at::Tensor> opt(lcl_tensor *h) {
    if (h == nullptr) {
        return nullopt;
    }
    return Borrow(h).get();
}

// Transfers ownership of t's reference to the caller as a handle (NULL for undefined).
inline lcl_tensor *give(at::Tensor t) noexcept {
    if (!t.defined()) {
        return nullptr;
    }
    return reinterpret_cast<lcl_tensor *>(t.unsafeReleaseTensorImpl());
}

inline void release(lcl_tensor *h) noexcept {
    if (h != nullptr) {
        Impl::reclaim(reinterpret_cast<at::TensorImpl *>(h));
    }
}

inline std::vector<at::Tensor> refs(lcl_tensor *const *hs, int64_t count) {
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        if (hs[i] == nullptr) {
            throw std::invalid_argument("tensor handle " + std::to_string(i) + " is null");
        }
        v.push_back(Borrow(hs[i]).get());
    }
    return v;
}

inline at::IntArrayRef dims(const int64_t *data, int64_t n) {
    if (n < 0) {
        throw std::invalid_argument("negative dimension count " + std::to_string(n));
    }
    return at::IntArrayRef(data, static_cast<size_t>(n));
}

at::ScalarType scalar_type(int32_t code);
at::Device device(int32_t type, int32_t index);
at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index);

// Autocast state of a device type (version-independent wrappers; autograd.cpp).
bool autocast_is_enabled(c10::DeviceType d);
void autocast_set_enabled(c10::DeviceType d, bool on);
at::ScalarType autocast_get_dtype(c10::DeviceType d);
void autocast_set_dtype(c10::DeviceType d, at::ScalarType t);

// Writes a list of results into caller-provided slots, failing before any transfer when
// the caller's array is too small.
void give_list(std::vector<at::Tensor> &&parts, lcl_tensor **outs, int64_t capacity, int64_t *count);

}  // namespace lcl
