// Hooks that run after backward has accumulated a leaf's gradient: a post hook of the leaf's
// AccumulateGrad node (in libtorch 1.13 and 2.x alike, unlike 2.x's post-accumulate hooks).
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

#include <stdexcept>
#include <type_traits>
#include <utility>

#include "common.h"

using namespace lcl;

namespace {

// std::shared_ptr<Node> in 1.13, c10::intrusive_ptr<Node> in later 2.x: whatever impl returns.
using Accumulator = decltype(torch::autograd::impl::grad_accumulator(std::declval<const at::Tensor &>()));

class CallbackHook : public torch::autograd::FunctionPostHook {
public:
    CallbackHook(lcl_hook_fn fn, void *ctx) : fn_(fn), ctx_(ctx) {}

    torch::autograd::variable_list operator()(const torch::autograd::variable_list &outputs,
                                              const torch::autograd::variable_list &inputs) override {
        if (fn_(ctx_) != 0) {
            throw std::runtime_error(std::string("gradient hook failed: ") + lcl_last_error());
        }
        return outputs;
    }

private:
    lcl_hook_fn fn_;
    void *ctx_;
};

}  // namespace

struct lcl_grad_hook {
    Accumulator accumulator;
    uintptr_t key;
};

LCL_API lcl_status lcl_tensor_register_grad_accumulated_hook(lcl_tensor *t, lcl_hook_fn fn, void *ctx,
                                                             lcl_grad_hook **out) {
    return guard([&] {
        if (fn == nullptr) throw std::invalid_argument("gradient hook: callback is null");
        auto borrowed = ref(t);
        const at::Tensor &x = borrowed.get();
        if (!x.requires_grad() || !x.is_leaf()) {
            throw std::invalid_argument("gradient hook: the tensor must be a leaf that requires grad");
        }
        Accumulator acc = torch::autograd::impl::grad_accumulator(x);
        if (!acc) throw std::runtime_error("gradient hook: the tensor has no gradient accumulator");
        uintptr_t key = acc->add_post_hook(std::make_unique<CallbackHook>(fn, ctx));
        *out = new lcl_grad_hook{std::move(acc), key};
    });
}

LCL_API lcl_status lcl_grad_hook_remove(lcl_grad_hook *h) {
    return guard([&] {
        if (h == nullptr) return;
        h->accumulator->del_post_hook(h->key);
        delete h;
    });
}
