// Gradient checkpointing through a callback: a custom autograd function that runs the
// callback without a graph in forward and again, with a graph, in backward.
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>

#include "common.h"

using namespace lcl;

namespace {

at::Tensor call(lcl_forward_fn fn, void *ctx, const at::Tensor &input) {
    at::Tensor in = input;
    lcl_tensor *in_handle = give(std::move(in));
    lcl_tensor *out = nullptr;
    lcl_status st = fn(ctx, in_handle, &out);
    release(in_handle);
    if (st != 0) {
        release(out);
        throw std::runtime_error(std::string("checkpointed function failed: ") + lcl_last_error());
    }
    if (out == nullptr) {
        throw std::runtime_error("checkpointed function returned no tensor");
    }
    at::Tensor result = Borrow(out).get();
    release(out);
    return result;
}

c10::DeviceType autocast_type(int dev) { return dev == 0 ? c10::DeviceType::CPU : c10::DeviceType::CUDA; }

// Autocast state packed as enabled | dtype << 8, to be re-entered when recomputing.
int64_t lcl_autocast_state(int dev) {
    auto d = autocast_type(dev);
    return (autocast_is_enabled(d) ? 1 : 0) | (static_cast<int64_t>(autocast_get_dtype(d)) << 8);
}

class AutocastRestore {
public:
    AutocastRestore(int dev, int64_t state)
        : d_(autocast_type(dev)), enabled_(autocast_is_enabled(d_)), dtype_(autocast_get_dtype(d_)) {
        autocast_set_dtype(d_, static_cast<at::ScalarType>(state >> 8));
        autocast_set_enabled(d_, (state & 1) != 0);
    }
    ~AutocastRestore() {
        autocast_set_enabled(d_, enabled_);
        autocast_set_dtype(d_, dtype_);
    }
    AutocastRestore(const AutocastRestore &) = delete;
    AutocastRestore &operator=(const AutocastRestore &) = delete;

private:
    c10::DeviceType d_;
    bool enabled_;
    at::ScalarType dtype_;
};

// RNG state of the input's device, so that dropout draws the same masks when recomputing.
at::Tensor rng_state(const at::Device &d) {
    auto gen = at::globalContext().defaultGenerator(d);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void set_rng_state(const at::Device &d, const at::Tensor &state) {
    auto gen = at::globalContext().defaultGenerator(d);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

struct Checkpoint : public torch::autograd::Function<Checkpoint> {
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext *ctx, at::Tensor input,
                                                  int64_t fn_bits, int64_t ctx_bits) {
        ctx->saved_data["fn"] = fn_bits;
        ctx->saved_data["ctx"] = ctx_bits;
        ctx->saved_data["rng"] = rng_state(input.device());
        ctx->saved_data["cpu_autocast"] = lcl_autocast_state(0);
        ctx->saved_data["cuda_autocast"] = lcl_autocast_state(1);
        ctx->save_for_backward({input});
        c10::NoGradGuard no_grad;
        return {call(reinterpret_cast<lcl_forward_fn>(fn_bits), reinterpret_cast<void *>(ctx_bits), input)};
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads) {
        auto input = ctx->get_saved_variables()[0];
        auto fn = reinterpret_cast<lcl_forward_fn>(ctx->saved_data["fn"].toInt());
        auto user = reinterpret_cast<void *>(ctx->saved_data["ctx"].toInt());
        at::Tensor x = input.detach();
        x.requires_grad_(input.requires_grad());
        at::Tensor y;
        {
            auto device = input.device();
            auto current = rng_state(device);
            set_rng_state(device, ctx->saved_data["rng"].toTensor());
            AutocastRestore cpu(0, ctx->saved_data["cpu_autocast"].toInt());
            AutocastRestore cuda(1, ctx->saved_data["cuda_autocast"].toInt());
            c10::AutoGradMode grad(true);
            try {
                y = call(fn, user, x);
            } catch (...) {
                set_rng_state(device, current);
                throw;
            }
            set_rng_state(device, current);
        }
        if (y.requires_grad()) {
            torch::autograd::backward({y}, {grads[0]});
        }
        return {x.requires_grad() ? x.grad() : at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

LCL_API lcl_status lcl_set_error(const char *message) {
    set_error(message);
    return 0;
}

LCL_API lcl_status lcl_checkpoint(lcl_forward_fn fn, void *ctx, lcl_tensor *input, lcl_tensor **out) {
    return guard([&] {
        if (fn == nullptr) throw std::invalid_argument("checkpoint: function pointer is null");
        auto in = ref(input);
        auto outs = Checkpoint::apply(in.get(), reinterpret_cast<int64_t>(fn), reinterpret_cast<int64_t>(ctx));
        *out = give(outs[0]);
    });
}
