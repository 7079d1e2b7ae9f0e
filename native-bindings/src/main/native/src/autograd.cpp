// Autograd, grad mode and autocast (thread-local state in libtorch).
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <limits>

#include "common.h"

using namespace lcl;

namespace {

c10::DeviceType autocast_device(int32_t device_type) {
    switch (device_type) {
        case 0: return c10::DeviceType::CPU;
        case 1: return c10::DeviceType::CUDA;
        default: throw std::invalid_argument("autocast supports cpu (0) and cuda (1), got device type " + std::to_string(device_type));
    }
}


}  // namespace

namespace lcl {

// The device-typed autocast API appeared in 2.4; earlier versions have per-device names.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_is_enabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void autocast_set_enabled(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
at::ScalarType autocast_get_dtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void autocast_set_dtype(c10::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool autocast_is_enabled(c10::DeviceType d) {
    return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
void autocast_set_enabled(c10::DeviceType d, bool on) {
    if (d == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(on); else at::autocast::set_enabled(on);
}
at::ScalarType autocast_get_dtype(c10::DeviceType d) {
    return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void autocast_set_dtype(c10::DeviceType d, at::ScalarType t) {
    if (d == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(t); else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

}  // namespace lcl

LCL_API lcl_status lcl_backward(lcl_tensor *t, lcl_tensor *grad, int32_t retain_graph, int32_t create_graph) {
    return guard([&] {
        auto g = ref_or_undefined(grad);
        ref(t).get().backward(g.get(), retain_graph != 0, create_graph != 0);
    });
}

LCL_API lcl_status lcl_grad(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().grad()); });
}

LCL_API lcl_status lcl_set_grad(lcl_tensor *t, lcl_tensor *grad) {
    return guard([&] {
        auto x = ref(t);
        auto g = ref_or_undefined(grad);
        if (g.get().defined() && !g.get().sizes().equals(x.get().sizes())) {
            throw std::invalid_argument("assigned grad has shape " + c10::str(g.get().sizes()) +
                                        " but the tensor has shape " + c10::str(x.get().sizes()));
        }
        const_cast<at::Tensor &>(x.get()).mutable_grad() = g.get();
    });
}

LCL_API lcl_status lcl_zero_grad(lcl_tensor *t) {
    return guard([&] {
        auto x = ref(t);
        auto &g = const_cast<at::Tensor &>(x.get()).mutable_grad();
        if (g.defined()) {
            g.detach_();
            g.zero_();
        }
    });
}

LCL_API lcl_status lcl_detach(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().detach()); });
}

LCL_API lcl_status lcl_detach_(lcl_tensor *t) {
    return guard([&] { ref(t).get().detach_(); });
}

LCL_API lcl_status lcl_requires_grad_(lcl_tensor *t, int32_t requires_grad) {
    return guard([&] { ref(t).get().requires_grad_(requires_grad != 0); });
}

LCL_API lcl_status lcl_is_leaf(lcl_tensor *t, int32_t *out) {
    return guard([&] { *out = ref(t).get().is_leaf() ? 1 : 0; });
}

LCL_API lcl_status lcl_retain_grad(lcl_tensor *t) {
    return guard([&] { ref(t).get().retain_grad(); });
}

LCL_API lcl_status lcl_grad_enabled(int32_t *out) {
    return guard([&] { *out = c10::GradMode::is_enabled() ? 1 : 0; });
}

LCL_API lcl_status lcl_set_grad_enabled(int32_t enabled) {
    return guard([&] { c10::GradMode::set_enabled(enabled != 0); });
}

LCL_API lcl_status lcl_set_data(lcl_tensor *t, lcl_tensor *value) {
    return guard([&] { ref(t).get().set_data(ref(value)); });
}

LCL_API lcl_status lcl_clip_grad_norm_(lcl_tensor *const *params, int64_t count, double max_norm, double norm_type,
                                       double *total_norm) {
    return guard([&] {
        c10::NoGradGuard no_grad;
        std::vector<at::Tensor> grads;
        for (auto &p : refs(params, count)) {
            if (p.grad().defined()) grads.push_back(p.grad());
        }
        if (grads.empty()) {
            *total_norm = 0.0;
            return;
        }
        std::vector<at::Tensor> norms;
        norms.reserve(grads.size());
        at::Tensor total;
        if (std::isinf(norm_type)) {
            for (auto &g : grads) norms.push_back(g.abs().max().to(grads[0].device()));
            total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
        } else {
            for (auto &g : grads) norms.push_back(at::norm(g, norm_type).to(grads[0].device()));
            total = at::norm(at::stack(norms), norm_type);
        }
        // As torch.nn.utils.clip_grad_norm_: scale by min(1, max_norm / (total + 1e-6)) without a host sync.
        auto coef = at::clamp_max(at::div(at::scalar_tensor(max_norm, total.options()), total.add(1e-6)), 1.0);
        for (auto &g : grads) g.mul_(coef.to(g.device()));
        *total_norm = total.item<double>();
    });
}

LCL_API lcl_status lcl_autocast_enabled(int32_t device_type, int32_t *out) {
    return guard([&] { *out = autocast_is_enabled(autocast_device(device_type)) ? 1 : 0; });
}

LCL_API lcl_status lcl_set_autocast_enabled(int32_t device_type, int32_t enabled) {
    return guard([&] { autocast_set_enabled(autocast_device(device_type), enabled != 0); });
}

LCL_API lcl_status lcl_autocast_dtype(int32_t device_type, int32_t *out) {
    return guard([&] { *out = static_cast<int32_t>(autocast_get_dtype(autocast_device(device_type))); });
}

LCL_API lcl_status lcl_set_autocast_dtype(int32_t device_type, int32_t dtype) {
    return guard([&] { autocast_set_dtype(autocast_device(device_type), scalar_type(dtype)); });
}

LCL_API lcl_status lcl_autocast_increment_nesting(int64_t *out) {
    return guard([&] { *out = at::autocast::increment_nesting(); });
}

LCL_API lcl_status lcl_autocast_decrement_nesting(int64_t *out) {
    return guard([&] { *out = at::autocast::decrement_nesting(); });
}

LCL_API lcl_status lcl_autocast_clear_cache(void) {
    return guard([&] { at::autocast::clear_cache(); });
}
