// Linear algebra and neural-network functions.
#include <cmath>
#include <limits>

#include "common.h"

using namespace lcl;

namespace {

// 1.13 has no public fused attention: compute softmax(q kᵀ · scale + mask) v as
// torch.nn.functional.scaled_dot_product_attention documents it.
at::Tensor attention_math(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor &mask,
                          double dropout_p, bool is_causal, double scale) {
    auto scores = at::matmul(q, k.transpose(-2, -1)).mul(scale);
    if (is_causal) {
        auto L = q.size(-2);
        auto S = k.size(-2);
        auto keep = at::ones({L, S}, q.options().dtype(at::kBool)).tril();
        scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
    }
    if (mask.defined()) {
        if (mask.scalar_type() == at::kBool) {
            scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
        } else {
            scores = scores.add(mask);
        }
    }
    auto attn = at::softmax(scores, -1);
    if (dropout_p > 0) {
        attn = at::dropout(attn, dropout_p, true);
    }
    return at::matmul(attn, v);
}

}  // namespace

LCL_API lcl_status lcl_matmul(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::matmul(ref(a), ref(b))); });
}

LCL_API lcl_status lcl_bmm(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::bmm(ref(a), ref(b))); });
}

LCL_API lcl_status lcl_addmm(lcl_tensor *self, lcl_tensor *a, lcl_tensor *b, double beta, double alpha,
                             lcl_tensor **out) {
    return guard([&] { *out = give(at::addmm(ref(self), ref(a), ref(b), beta, alpha)); });
}

LCL_API lcl_status lcl_linear(lcl_tensor *x, lcl_tensor *weight, lcl_tensor *bias, lcl_tensor **out) {
    return guard([&] { *out = give(at::linear(ref(x), ref(weight), opt(bias))); });
}

LCL_API lcl_status lcl_conv2d(lcl_tensor *x, lcl_tensor *weight, lcl_tensor *bias, int64_t stride_h,
                              int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w,
                              int64_t groups, lcl_tensor **out) {
    return guard([&] {
        int64_t stride[2] = {stride_h, stride_w};
        int64_t pad[2] = {pad_h, pad_w};
        int64_t dil[2] = {dilation_h, dilation_w};
        *out = give(at::conv2d(ref(x), ref(weight), opt(bias), stride, pad, dil, groups));
    });
}

LCL_API lcl_status lcl_layer_norm(lcl_tensor *x, const int64_t *normalized_shape, int64_t ndim, lcl_tensor *weight,
                                  lcl_tensor *bias, double eps, lcl_tensor **out) {
    return guard([&] {
        *out = give(at::layer_norm(ref(x), dims(normalized_shape, ndim), opt(weight), opt(bias), eps));
    });
}

LCL_API lcl_status lcl_gelu(lcl_tensor *x, int32_t approximate, lcl_tensor **out) {
    return guard([&] { *out = give(at::gelu(ref(x), approximate ? "tanh" : "none")); });
}

LCL_API lcl_status lcl_softmax(lcl_tensor *x, int64_t dim, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        *out = give(dtype < 0 ? at::softmax(ref(x), dim) : at::softmax(ref(x), dim, scalar_type(dtype)));
    });
}

LCL_API lcl_status lcl_log_softmax(lcl_tensor *x, int64_t dim, int32_t dtype, lcl_tensor **out) {
    return guard([&] {
        *out = give(dtype < 0 ? at::log_softmax(ref(x), dim) : at::log_softmax(ref(x), dim, scalar_type(dtype)));
    });
}

LCL_API lcl_status lcl_logsumexp(lcl_tensor *x, const int64_t *d, int64_t ndims, int32_t keepdim, lcl_tensor **out) {
    return guard([&] { *out = give(at::logsumexp(ref(x), dims(d, ndims), keepdim != 0)); });
}

LCL_API lcl_status lcl_dropout(lcl_tensor *x, double p, int32_t train, lcl_tensor **out) {
    return guard([&] {
        if (p < 0 || p > 1) throw std::invalid_argument("dropout probability has to be between 0 and 1, but got " + std::to_string(p));
        *out = give(at::dropout(ref(x), p, train != 0));
    });
}

LCL_API lcl_status lcl_embedding(lcl_tensor *weight, lcl_tensor *indices, int64_t padding_idx, lcl_tensor **out) {
    return guard([&] { *out = give(at::embedding(ref(weight), ref(indices), padding_idx)); });
}

LCL_API lcl_status lcl_cross_entropy(lcl_tensor *input, lcl_tensor *target, lcl_tensor *weight, int64_t reduction,
                                     int64_t ignore_index, double label_smoothing, lcl_tensor **out) {
    return guard([&] {
        if (reduction < 0 || reduction > 2) throw std::invalid_argument("reduction must be 0 (none), 1 (mean) or 2 (sum)");
        *out = give(at::cross_entropy_loss(ref(input), ref(target), opt(weight), reduction, ignore_index,
                                           label_smoothing));
    });
}

LCL_API lcl_status lcl_mse_loss(lcl_tensor *input, lcl_tensor *target, int64_t reduction, lcl_tensor **out) {
    return guard([&] { *out = give(at::mse_loss(ref(input), ref(target), reduction)); });
}

LCL_API lcl_status lcl_normalize(lcl_tensor *x, double p, int64_t dim, double eps, lcl_tensor **out) {
    return guard([&] {
        auto b = ref(x);
        auto denom = at::norm(b.get(), p, {dim}, true).clamp_min(eps).expand_as(b.get());
        *out = give(b.get().div(denom));
    });
}

LCL_API lcl_status lcl_scaled_dot_product_attention(lcl_tensor *q, lcl_tensor *k, lcl_tensor *v,
                                                    lcl_tensor *attn_mask, double dropout_p, int32_t is_causal,
                                                    double scale, lcl_tensor **out) {
    return guard([&] {
        auto qq = ref(q);
        auto kk = ref(k);
        auto vv = ref(v);
        auto mask = ref_or_undefined(attn_mask);
        if (is_causal && mask.get().defined()) {
            throw std::invalid_argument("scaled_dot_product_attention: pass either attn_mask or is_causal, not both");
        }
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
        *out = give(at::scaled_dot_product_attention(qq, kk, vv, opt(attn_mask), dropout_p, is_causal != 0,
                                                     scale > 0 ? lcl::optional<double>(scale) : lcl::nullopt));
#else
        double s = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(qq.get().size(-1)));
        *out = give(attention_math(qq, kk, vv, mask, dropout_p, is_causal != 0, s));
#endif
    });
}

LCL_API lcl_status lcl_triu(lcl_tensor *t, int64_t diagonal, lcl_tensor **out) {
    return guard([&] { *out = give(at::triu(ref(t), diagonal)); });
}

LCL_API lcl_status lcl_tril(lcl_tensor *t, int64_t diagonal, lcl_tensor **out) {
    return guard([&] { *out = give(at::tril(ref(t), diagonal)); });
}

LCL_API lcl_status lcl_one_hot(lcl_tensor *t, int64_t num_classes, lcl_tensor **out) {
    return guard([&] { *out = give(at::one_hot(ref(t), num_classes)); });
}

LCL_API lcl_status lcl_interpolate_bicubic(lcl_tensor *x, int64_t out_h, int64_t out_w, int32_t align_corners,
                                           int32_t antialias, lcl_tensor **out) {
    return guard([&] {
        int64_t size[2] = {out_h, out_w};
        *out = give(antialias ? at::_upsample_bicubic2d_aa(ref(x), size, align_corners != 0)
                              : at::upsample_bicubic2d(ref(x), size, align_corners != 0));
    });
}
