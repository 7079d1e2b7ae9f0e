// Elementwise arithmetic, comparisons and reductions.
#include <cmath>

#include "common.h"

using namespace lcl;

namespace {

// alpha arrives as a double; a whole number goes to libtorch as an integral Scalar (Python's
// default alpha=1 is an int), so that integer tensors accept it as PyTorch does.
at::Scalar number(double v) {
    if (v == std::trunc(v) && std::abs(v) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(v));
    return at::Scalar(v);
}

at::Tensor unary(const at::Tensor &a, int32_t op) {
    switch (op) {
        case LCL_NEG: return at::neg(a);
        case LCL_ABS: return at::abs(a);
        case LCL_EXP: return at::exp(a);
        case LCL_LOG: return at::log(a);
        case LCL_SQRT: return at::sqrt(a);
        case LCL_RSQRT: return at::rsqrt(a);
        case LCL_TANH: return at::tanh(a);
        case LCL_SIGMOID: return at::sigmoid(a);
        case LCL_RELU: return at::relu(a);
        case LCL_SIN: return at::sin(a);
        case LCL_COS: return at::cos(a);
        case LCL_RECIPROCAL: return at::reciprocal(a);
        case LCL_SQUARE: return at::square(a);
        case LCL_LOG1P: return at::log1p(a);
        case LCL_EXPM1: return at::expm1(a);
        case LCL_SIGN: return at::sign(a);
        case LCL_FLOOR: return at::floor(a);
        case LCL_CEIL: return at::ceil(a);
        case LCL_ROUND: return at::round(a);
        case LCL_LOGICAL_NOT: return at::logical_not(a);
        case LCL_SILU: return at::silu(a);
        case LCL_ERF: return at::erf(a);
        default: throw std::invalid_argument("unknown unary op code " + std::to_string(op));
    }
}

template <class B>
at::Tensor compare(const at::Tensor &a, const B &b, int32_t op) {
    switch (op) {
        case LCL_EQ: return at::eq(a, b);
        case LCL_NE: return at::ne(a, b);
        case LCL_LT: return at::lt(a, b);
        case LCL_LE: return at::le(a, b);
        case LCL_GT: return at::gt(a, b);
        case LCL_GE: return at::ge(a, b);
        default: throw std::invalid_argument("unknown comparison op code " + std::to_string(op));
    }
}

lcl::optional<at::ScalarType> opt_dtype(int32_t dtype) {
    if (dtype < 0) return lcl::nullopt;
    return scalar_type(dtype);
}

#if TORCH_VERSION_MAJOR >= 2
lcl::optional<at::Scalar> correction_of(int64_t c) { return at::Scalar(c); }
#else
lcl::optional<int64_t> correction_of(int64_t c) { return c; }
#endif

}  // namespace

LCL_API lcl_status lcl_add(lcl_tensor *a, lcl_tensor *b, double alpha, lcl_tensor **out) {
    return guard([&] { *out = give(at::add(ref(a), ref(b), number(alpha))); });
}

LCL_API lcl_status lcl_sub(lcl_tensor *a, lcl_tensor *b, double alpha, lcl_tensor **out) {
    return guard([&] { *out = give(at::sub(ref(a), ref(b), number(alpha))); });
}

LCL_API lcl_status lcl_mul(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::mul(ref(a), ref(b))); });
}

LCL_API lcl_status lcl_div(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::div(ref(a), ref(b))); });
}

LCL_API lcl_status lcl_add_scalar(lcl_tensor *a, double b, lcl_tensor **out) {
    return guard([&] { *out = give(at::add(ref(a), b)); });
}

LCL_API lcl_status lcl_sub_scalar(lcl_tensor *a, double b, lcl_tensor **out) {
    return guard([&] { *out = give(at::sub(ref(a), b)); });
}

LCL_API lcl_status lcl_rsub_scalar(lcl_tensor *a, double b, lcl_tensor **out) {
    return guard([&] { *out = give(at::rsub(ref(a), b)); });
}

LCL_API lcl_status lcl_mul_scalar(lcl_tensor *a, double b, lcl_tensor **out) {
    return guard([&] { *out = give(at::mul(ref(a), b)); });
}

LCL_API lcl_status lcl_div_scalar(lcl_tensor *a, double b, lcl_tensor **out) {
    return guard([&] { *out = give(at::div(ref(a), b)); });
}

LCL_API lcl_status lcl_add_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out) {
    return guard([&] { *out = give(at::add(ref(a), at::Scalar(b))); });
}

LCL_API lcl_status lcl_sub_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out) {
    return guard([&] { *out = give(at::sub(ref(a), at::Scalar(b))); });
}

LCL_API lcl_status lcl_rsub_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out) {
    return guard([&] { *out = give(at::rsub(ref(a), at::Scalar(b))); });
}

LCL_API lcl_status lcl_mul_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out) {
    return guard([&] { *out = give(at::mul(ref(a), at::Scalar(b))); });
}

LCL_API lcl_status lcl_pow(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::pow(ref(a), ref(b).get())); });
}

LCL_API lcl_status lcl_pow_scalar(lcl_tensor *a, double exponent, lcl_tensor **out) {
    return guard([&] { *out = give(at::pow(ref(a), exponent)); });
}

LCL_API lcl_status lcl_maximum(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::maximum(ref(a), ref(b))); });
}

LCL_API lcl_status lcl_minimum(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::minimum(ref(a), ref(b))); });
}

LCL_API lcl_status lcl_add_(lcl_tensor *a, lcl_tensor *b, double alpha) {
    return guard([&] { ref(a).get().add_(ref(b), number(alpha)); });
}

LCL_API lcl_status lcl_mul_(lcl_tensor *a, lcl_tensor *b) {
    return guard([&] { ref(a).get().mul_(ref(b).get()); });
}

LCL_API lcl_status lcl_mul_scalar_(lcl_tensor *a, double s) {
    return guard([&] { ref(a).get().mul_(s); });
}

LCL_API lcl_status lcl_add_scalar_(lcl_tensor *a, double s) {
    return guard([&] { ref(a).get().add_(s); });
}

LCL_API lcl_status lcl_addcmul_(lcl_tensor *a, lcl_tensor *t1, lcl_tensor *t2, double value) {
    return guard([&] { ref(a).get().addcmul_(ref(t1), ref(t2), value); });
}

LCL_API lcl_status lcl_addcdiv_(lcl_tensor *a, lcl_tensor *t1, lcl_tensor *t2, double value) {
    return guard([&] { ref(a).get().addcdiv_(ref(t1), ref(t2), value); });
}

LCL_API lcl_status lcl_lerp_(lcl_tensor *a, lcl_tensor *end, double weight) {
    return guard([&] { ref(a).get().lerp_(ref(end), weight); });
}

LCL_API lcl_status lcl_clamp_(lcl_tensor *a, double min, double max) {
    return guard([&] { ref(a).get().clamp_(min, max); });
}

LCL_API lcl_status lcl_unary(lcl_tensor *a, int32_t op, lcl_tensor **out) {
    return guard([&] { *out = give(unary(ref(a), op)); });
}

LCL_API lcl_status lcl_clamp(lcl_tensor *a, double min, double max, lcl_tensor **out) {
    return guard([&] { *out = give(at::clamp(ref(a), min, max)); });
}

LCL_API lcl_status lcl_clamp_min(lcl_tensor *a, double min, lcl_tensor **out) {
    return guard([&] { *out = give(at::clamp_min(ref(a), min)); });
}

LCL_API lcl_status lcl_clamp_max(lcl_tensor *a, double max, lcl_tensor **out) {
    return guard([&] { *out = give(at::clamp_max(ref(a), max)); });
}

LCL_API lcl_status lcl_compare(lcl_tensor *a, lcl_tensor *b, int32_t op, lcl_tensor **out) {
    return guard([&] {
        auto x = ref(a);
        auto y = ref(b);
        if (op == LCL_LOGICAL_AND) {
            *out = give(at::logical_and(x, y));
        } else if (op == LCL_LOGICAL_OR) {
            *out = give(at::logical_or(x, y));
        } else {
            *out = give(compare(x.get(), y.get(), op));
        }
    });
}

LCL_API lcl_status lcl_compare_scalar(lcl_tensor *a, double b, int32_t op, lcl_tensor **out) {
    return guard([&] { *out = give(compare(ref(a).get(), at::Scalar(b), op)); });
}

LCL_API lcl_status lcl_equal(lcl_tensor *a, lcl_tensor *b, int32_t *out) {
    return guard([&] { *out = at::equal(ref(a), ref(b)) ? 1 : 0; });
}

LCL_API lcl_status lcl_allclose(lcl_tensor *a, lcl_tensor *b, double rtol, double atol, int32_t *out) {
    return guard([&] { *out = at::allclose(ref(a), ref(b), rtol, atol) ? 1 : 0; });
}

LCL_API lcl_status lcl_sum(lcl_tensor *t, const int64_t *d, int64_t ndims, int32_t keepdim, int32_t dtype,
                           lcl_tensor **out) {
    return guard([&] {
        auto x = ref(t);
        *out = give(ndims == 0 && keepdim == 0 ? at::sum(x, opt_dtype(dtype))
                                               : at::sum(x, dims(d, ndims), keepdim != 0, opt_dtype(dtype)));
    });
}

LCL_API lcl_status lcl_mean(lcl_tensor *t, const int64_t *d, int64_t ndims, int32_t keepdim, int32_t dtype,
                            lcl_tensor **out) {
    return guard([&] {
        auto x = ref(t);
        *out = give(ndims == 0 && keepdim == 0 ? at::mean(x, opt_dtype(dtype))
                                               : at::mean(x, dims(d, ndims), keepdim != 0, opt_dtype(dtype)));
    });
}

LCL_API lcl_status lcl_std(lcl_tensor *t, const int64_t *d, int64_t ndims, int64_t correction, int32_t keepdim,
                           lcl_tensor **out) {
    return guard([&] {
        at::OptionalIntArrayRef dd = ndims == 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims(d, ndims));
        *out = give(at::std(ref(t), dd, correction_of(correction), keepdim != 0));
    });
}

LCL_API lcl_status lcl_var(lcl_tensor *t, const int64_t *d, int64_t ndims, int64_t correction, int32_t keepdim,
                           lcl_tensor **out) {
    return guard([&] {
        at::OptionalIntArrayRef dd = ndims == 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims(d, ndims));
        *out = give(at::var(ref(t), dd, correction_of(correction), keepdim != 0));
    });
}

LCL_API lcl_status lcl_norm(lcl_tensor *t, double p, const int64_t *d, int64_t ndims, int32_t keepdim,
                            lcl_tensor **out) {
    return guard([&] {
        auto x = ref(t);
        *out = give(ndims == 0 && keepdim == 0 ? at::norm(x, p) : at::norm(x, p, dims(d, ndims), keepdim != 0));
    });
}

LCL_API lcl_status lcl_max_all(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(at::max(ref(t))); });
}

LCL_API lcl_status lcl_min_all(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(at::min(ref(t))); });
}

LCL_API lcl_status lcl_max_dim(lcl_tensor *t, int64_t dim, int32_t keepdim, lcl_tensor **values,
                               lcl_tensor **indices) {
    return guard([&] {
        auto r = at::max(ref(t), dim, keepdim != 0);
        *values = give(std::get<0>(r));
        *indices = give(std::get<1>(r));
    });
}

LCL_API lcl_status lcl_min_dim(lcl_tensor *t, int64_t dim, int32_t keepdim, lcl_tensor **values,
                               lcl_tensor **indices) {
    return guard([&] {
        auto r = at::min(ref(t), dim, keepdim != 0);
        *values = give(std::get<0>(r));
        *indices = give(std::get<1>(r));
    });
}

LCL_API lcl_status lcl_argmax(lcl_tensor *t, int64_t dim, int32_t dim_given, int32_t keepdim, lcl_tensor **out) {
    return guard([&] {
        *out = give(at::argmax(ref(t), dim_given ? lcl::optional<int64_t>(dim) : lcl::nullopt, keepdim != 0));
    });
}

LCL_API lcl_status lcl_argmin(lcl_tensor *t, int64_t dim, int32_t dim_given, int32_t keepdim, lcl_tensor **out) {
    return guard([&] {
        *out = give(at::argmin(ref(t), dim_given ? lcl::optional<int64_t>(dim) : lcl::nullopt, keepdim != 0));
    });
}

LCL_API lcl_status lcl_topk(lcl_tensor *t, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                            lcl_tensor **values, lcl_tensor **indices) {
    return guard([&] {
        auto r = at::topk(ref(t), k, dim, largest != 0, sorted != 0);
        *values = give(std::get<0>(r));
        *indices = give(std::get<1>(r));
    });
}

LCL_API lcl_status lcl_cumsum(lcl_tensor *t, int64_t dim, lcl_tensor **out) {
    return guard([&] { *out = give(at::cumsum(ref(t), dim)); });
}

LCL_API lcl_status lcl_any(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(at::any(ref(t))); });
}

LCL_API lcl_status lcl_all(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(at::all(ref(t))); });
}
