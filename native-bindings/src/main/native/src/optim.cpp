// Optimiser steps in one call, with torch.optim's arithmetic.
#include <c10/core/GradMode.h>

#include <cmath>

#include "common.h"

using namespace lcl;

LCL_API lcl_status lcl_adamw_step_(lcl_tensor *const *params, lcl_tensor *const *exp_avgs,
                                   lcl_tensor *const *exp_avg_sqs, const int64_t *steps, int64_t count, double lr,
                                   double beta1, double beta2, double eps, double weight_decay) {
    return guard([&] {
        c10::NoGradGuard no_grad;
        for (int64_t i = 0; i < count; ++i) {
            auto p = ref(params[i]);
            const at::Tensor &param = p.get();
            const at::Tensor &grad = param.grad();
            if (!grad.defined()) {
                continue;
            }
            auto m = ref(exp_avgs[i]);
            auto v = ref(exp_avg_sqs[i]);
            if (steps[i] < 1) {
                throw std::invalid_argument("adamw: step of parameter " + std::to_string(i) + " must be >= 1");
            }
            // Same order of operations as torch.optim.AdamW's single-tensor implementation.
            param.mul_(1 - lr * weight_decay);
            m.get().mul_(beta1).add_(grad, 1 - beta1);
            v.get().mul_(beta2).addcmul_(grad, grad, 1 - beta2);
            double step = static_cast<double>(steps[i]);
            double bias_correction1 = 1 - std::pow(beta1, step);
            double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, step));
            auto denom = (v.get().sqrt() / bias_correction2_sqrt).add_(eps);
            param.addcdiv_(m.get(), denom, -lr / bias_correction1);
        }
    });
}
