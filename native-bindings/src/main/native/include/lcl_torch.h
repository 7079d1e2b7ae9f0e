/*
 * lcl_torch.h: the C API of the LCL project over libtorch.
 *
 * Rules (see native-bindings/README.md):
 *  - Only opaque handles, fixed-width integers, doubles and pointers cross this boundary.
 *  - Every function returns lcl_status: 0 on success; otherwise lcl_last_error() holds the
 *    message of the failure on the calling thread until its next failing call.
 *  - Results go to out-parameters. A tensor handle written to an out-parameter is owned by
 *    the caller and released with exactly one lcl_tensor_free. Input handles are borrowed.
 *  - A NULL tensor handle stands for an undefined tensor (an absent bias, a missing grad).
 *  - dtype codes are c10::ScalarType values; device types are c10::DeviceType values
 *    (0 = cpu, 1 = cuda); a device index of -1 means "the current/default device".
 *  - Never change a function's signature: add a new function with a _v2 suffix.
 */
#ifndef LCL_TORCH_H
#define LCL_TORCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t lcl_status;
typedef struct lcl_tensor lcl_tensor;
typedef struct lcl_store lcl_store;
typedef struct lcl_process_group lcl_process_group;
typedef struct lcl_grad_hook lcl_grad_hook;
typedef struct lcl_work lcl_work;

/* ---- errors and library information ------------------------------------------------ */
const char *lcl_last_error(void);
lcl_status lcl_version(int32_t *major, int32_t *minor, int32_t *patch);
/* 1 when this library was linked against a CUDA libtorch (usable or not: see lcl_cuda_is_available). */
lcl_status lcl_cuda_compiled(int32_t *out);
lcl_status lcl_manual_seed(int64_t seed);
lcl_status lcl_set_num_threads(int32_t n);
lcl_status lcl_get_num_threads(int32_t *out);

/* ---- lifetime ------------------------------------------------------------------------ */
lcl_status lcl_tensor_free(lcl_tensor *t);
/* A new handle sharing the same tensor (like Python's `b = a`); freed separately. */
lcl_status lcl_tensor_share(lcl_tensor *t, lcl_tensor **out);

/* ---- creation ------------------------------------------------------------------------ */
lcl_status lcl_from_data(const void *data, const int64_t *shape, int64_t ndim, int32_t dtype,
                         int32_t device_type, int32_t device_index, lcl_tensor **out);
lcl_status lcl_empty(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                     int32_t device_index, int32_t pin_memory, lcl_tensor **out);
lcl_status lcl_zeros(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                     int32_t device_index, lcl_tensor **out);
lcl_status lcl_ones(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                    int32_t device_index, lcl_tensor **out);
lcl_status lcl_full(const int64_t *shape, int64_t ndim, double value, int32_t dtype,
                    int32_t device_type, int32_t device_index, lcl_tensor **out);
lcl_status lcl_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                      int32_t device_index, lcl_tensor **out);
lcl_status lcl_linspace(double start, double end, int64_t steps, int32_t dtype,
                        int32_t device_type, int32_t device_index, lcl_tensor **out);
lcl_status lcl_randn(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                     int32_t device_index, lcl_tensor **out);
lcl_status lcl_rand(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device_type,
                    int32_t device_index, lcl_tensor **out);
lcl_status lcl_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim,
                       int32_t dtype, int32_t device_type, int32_t device_index,
                       lcl_tensor **out);
lcl_status lcl_randperm(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index,
                        lcl_tensor **out);
lcl_status lcl_normal_(lcl_tensor *t, double mean, double std);
lcl_status lcl_uniform_(lcl_tensor *t, double from, double to);
lcl_status lcl_fill_(lcl_tensor *t, double value);
lcl_status lcl_zero_(lcl_tensor *t);
lcl_status lcl_copy_(lcl_tensor *dst, lcl_tensor *src, int32_t non_blocking);
/* *_like: dtype -1 keeps the input's dtype. */
lcl_status lcl_empty_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out);
lcl_status lcl_zeros_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out);
lcl_status lcl_ones_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out);
lcl_status lcl_full_like(lcl_tensor *t, double value, int32_t dtype, lcl_tensor **out);
lcl_status lcl_randn_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out);
lcl_status lcl_rand_like(lcl_tensor *t, int32_t dtype, lcl_tensor **out);

/* ---- metadata and data movement ------------------------------------------------------ */
lcl_status lcl_dim(lcl_tensor *t, int64_t *out);
/* Writes min(ndim, capacity) sizes; *ndim receives the tensor's dimension count. */
lcl_status lcl_shape(lcl_tensor *t, int64_t *sizes, int64_t capacity, int64_t *ndim);
lcl_status lcl_strides(lcl_tensor *t, int64_t *strides, int64_t capacity, int64_t *ndim);
lcl_status lcl_dtype(lcl_tensor *t, int32_t *out);
lcl_status lcl_device(lcl_tensor *t, int32_t *device_type, int32_t *device_index);
lcl_status lcl_numel(lcl_tensor *t, int64_t *out);
lcl_status lcl_requires_grad(lcl_tensor *t, int32_t *out);
lcl_status lcl_is_contiguous(lcl_tensor *t, int32_t *out);
lcl_status lcl_is_pinned(lcl_tensor *t, int32_t *out);
/* Copies the elements (row-major, any device, any layout) into host memory of nbytes. */
lcl_status lcl_copy_to_host(lcl_tensor *t, void *dst, int64_t nbytes);
/* Overwrites the elements of t from row-major host memory of nbytes. */
lcl_status lcl_copy_from_host(lcl_tensor *t, const void *src, int64_t nbytes);
/* Reads element 0 of a one-element tensor as a double. */
lcl_status lcl_item_double(lcl_tensor *t, double *out);
lcl_status lcl_item_int64(lcl_tensor *t, int64_t *out);
/* dtype -1 keeps the dtype; device_type -1 keeps the device. */
lcl_status lcl_to(lcl_tensor *t, int32_t dtype, int32_t device_type, int32_t device_index,
                  int32_t non_blocking, int32_t copy, lcl_tensor **out);
lcl_status lcl_pin_memory(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_clone(lcl_tensor *t, lcl_tensor **out);

/* ---- views and shape ----------------------------------------------------------------- */
lcl_status lcl_contiguous(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_view(lcl_tensor *t, const int64_t *shape, int64_t ndim, lcl_tensor **out);
lcl_status lcl_reshape(lcl_tensor *t, const int64_t *shape, int64_t ndim, lcl_tensor **out);
lcl_status lcl_permute(lcl_tensor *t, const int64_t *dims, int64_t ndim, lcl_tensor **out);
lcl_status lcl_transpose(lcl_tensor *t, int64_t dim0, int64_t dim1, lcl_tensor **out);
lcl_status lcl_squeeze(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_squeeze_dim(lcl_tensor *t, int64_t dim, lcl_tensor **out);
lcl_status lcl_unsqueeze(lcl_tensor *t, int64_t dim, lcl_tensor **out);
lcl_status lcl_flatten(lcl_tensor *t, int64_t start_dim, int64_t end_dim, lcl_tensor **out);
/* Python's t[start:end:step] along dim (end may be INT64_MAX). */
lcl_status lcl_slice(lcl_tensor *t, int64_t dim, int64_t start, int64_t end, int64_t step,
                     lcl_tensor **out);
lcl_status lcl_narrow(lcl_tensor *t, int64_t dim, int64_t start, int64_t length,
                      lcl_tensor **out);
lcl_status lcl_select(lcl_tensor *t, int64_t dim, int64_t index, lcl_tensor **out);
lcl_status lcl_expand(lcl_tensor *t, const int64_t *shape, int64_t ndim, lcl_tensor **out);
lcl_status lcl_repeat(lcl_tensor *t, const int64_t *repeats, int64_t ndim, lcl_tensor **out);
lcl_status lcl_cat(lcl_tensor *const *tensors, int64_t count, int64_t dim, lcl_tensor **out);
lcl_status lcl_stack(lcl_tensor *const *tensors, int64_t count, int64_t dim, lcl_tensor **out);
/* split/chunk write up to capacity handles to outs; *count receives the number of parts. */
lcl_status lcl_split(lcl_tensor *t, int64_t split_size, int64_t dim, lcl_tensor **outs,
                     int64_t capacity, int64_t *count);
lcl_status lcl_split_sizes(lcl_tensor *t, const int64_t *sizes, int64_t nsizes, int64_t dim,
                           lcl_tensor **outs, int64_t capacity, int64_t *count);
lcl_status lcl_chunk(lcl_tensor *t, int64_t chunks, int64_t dim, lcl_tensor **outs,
                     int64_t capacity, int64_t *count);

/* ---- indexing ------------------------------------------------------------------------ */
lcl_status lcl_index_select(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor **out);
lcl_status lcl_gather(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor **out);
lcl_status lcl_scatter(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor *src,
                       lcl_tensor **out);
lcl_status lcl_scatter_add(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor *src,
                           lcl_tensor **out);
lcl_status lcl_masked_fill(lcl_tensor *t, lcl_tensor *mask, double value, lcl_tensor **out);
lcl_status lcl_masked_fill_(lcl_tensor *t, lcl_tensor *mask, double value);
lcl_status lcl_masked_select(lcl_tensor *t, lcl_tensor *mask, lcl_tensor **out);
lcl_status lcl_where(lcl_tensor *cond, lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_nonzero(lcl_tensor *t, lcl_tensor **out);
/* t[index] with one boolean mask or integer index tensor (advanced indexing on dim 0). */
lcl_status lcl_index(lcl_tensor *t, lcl_tensor *index, lcl_tensor **out);
/* Out-of-place t[index] = values (index_put, accumulate 0/1); differentiable in t and values. */
lcl_status lcl_index_put(lcl_tensor *t, lcl_tensor *index, lcl_tensor *values,
                         int32_t accumulate, lcl_tensor **out);
lcl_status lcl_index_put_(lcl_tensor *t, lcl_tensor *index, lcl_tensor *values,
                          int32_t accumulate);

/* ---- elementwise math ---------------------------------------------------------------- */
lcl_status lcl_add(lcl_tensor *a, lcl_tensor *b, double alpha, lcl_tensor **out);
lcl_status lcl_sub(lcl_tensor *a, lcl_tensor *b, double alpha, lcl_tensor **out);
lcl_status lcl_mul(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_div(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_add_scalar(lcl_tensor *a, double b, lcl_tensor **out);
lcl_status lcl_sub_scalar(lcl_tensor *a, double b, lcl_tensor **out);
lcl_status lcl_rsub_scalar(lcl_tensor *a, double b, lcl_tensor **out);
lcl_status lcl_mul_scalar(lcl_tensor *a, double b, lcl_tensor **out);
lcl_status lcl_div_scalar(lcl_tensor *a, double b, lcl_tensor **out);
/* Python-int scalars: integer tensors stay integer (ids + 1 is int64, as in PyTorch). */
lcl_status lcl_add_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out);
lcl_status lcl_sub_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out);
lcl_status lcl_rsub_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out);
lcl_status lcl_mul_scalar_int(lcl_tensor *a, int64_t b, lcl_tensor **out);
lcl_status lcl_pow(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_pow_scalar(lcl_tensor *a, double exponent, lcl_tensor **out);
lcl_status lcl_maximum(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_minimum(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
/* In place, for optimisers (run under no-grad): a += alpha * b, a *= s, a += s, a.addcmul_, a.addcdiv_ */
lcl_status lcl_add_(lcl_tensor *a, lcl_tensor *b, double alpha);
lcl_status lcl_mul_(lcl_tensor *a, lcl_tensor *b);
lcl_status lcl_mul_scalar_(lcl_tensor *a, double s);
lcl_status lcl_add_scalar_(lcl_tensor *a, double s);
lcl_status lcl_addcmul_(lcl_tensor *a, lcl_tensor *t1, lcl_tensor *t2, double value);
lcl_status lcl_addcdiv_(lcl_tensor *a, lcl_tensor *t1, lcl_tensor *t2, double value);
lcl_status lcl_lerp_(lcl_tensor *a, lcl_tensor *end, double weight);
lcl_status lcl_clamp_(lcl_tensor *a, double min, double max);

/* Unary ops: op codes of lcl_unary_op. */
enum lcl_unary_op {
    LCL_NEG = 0, LCL_ABS = 1, LCL_EXP = 2, LCL_LOG = 3, LCL_SQRT = 4, LCL_RSQRT = 5,
    LCL_TANH = 6, LCL_SIGMOID = 7, LCL_RELU = 8, LCL_SIN = 9, LCL_COS = 10,
    LCL_RECIPROCAL = 11, LCL_SQUARE = 12, LCL_LOG1P = 13, LCL_EXPM1 = 14, LCL_SIGN = 15,
    LCL_FLOOR = 16, LCL_CEIL = 17, LCL_ROUND = 18, LCL_LOGICAL_NOT = 19, LCL_SILU = 20,
    LCL_ERF = 21
};
lcl_status lcl_unary(lcl_tensor *a, int32_t op, lcl_tensor **out);
lcl_status lcl_clamp(lcl_tensor *a, double min, double max, lcl_tensor **out);
lcl_status lcl_clamp_min(lcl_tensor *a, double min, lcl_tensor **out);
lcl_status lcl_clamp_max(lcl_tensor *a, double max, lcl_tensor **out);

/* Comparisons: op codes of lcl_compare_op; the result is a bool tensor. */
enum lcl_compare_op {
    LCL_EQ = 0, LCL_NE = 1, LCL_LT = 2, LCL_LE = 3, LCL_GT = 4, LCL_GE = 5,
    LCL_LOGICAL_AND = 6, LCL_LOGICAL_OR = 7
};
lcl_status lcl_compare(lcl_tensor *a, lcl_tensor *b, int32_t op, lcl_tensor **out);
lcl_status lcl_compare_scalar(lcl_tensor *a, double b, int32_t op, lcl_tensor **out);
lcl_status lcl_equal(lcl_tensor *a, lcl_tensor *b, int32_t *out);
lcl_status lcl_allclose(lcl_tensor *a, lcl_tensor *b, double rtol, double atol, int32_t *out);

/* ---- reductions ---------------------------------------------------------------------- */
/* dims = NULL/ndims = 0 reduces over all dimensions. dtype -1 keeps PyTorch's default. */
lcl_status lcl_sum(lcl_tensor *t, const int64_t *dims, int64_t ndims, int32_t keepdim,
                   int32_t dtype, lcl_tensor **out);
lcl_status lcl_mean(lcl_tensor *t, const int64_t *dims, int64_t ndims, int32_t keepdim,
                    int32_t dtype, lcl_tensor **out);
/* correction: 1 = unbiased (PyTorch's default), 0 = population. */
lcl_status lcl_std(lcl_tensor *t, const int64_t *dims, int64_t ndims, int64_t correction,
                   int32_t keepdim, lcl_tensor **out);
lcl_status lcl_var(lcl_tensor *t, const int64_t *dims, int64_t ndims, int64_t correction,
                   int32_t keepdim, lcl_tensor **out);
lcl_status lcl_norm(lcl_tensor *t, double p, const int64_t *dims, int64_t ndims,
                    int32_t keepdim, lcl_tensor **out);
lcl_status lcl_max_all(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_min_all(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_max_dim(lcl_tensor *t, int64_t dim, int32_t keepdim, lcl_tensor **values,
                       lcl_tensor **indices);
lcl_status lcl_min_dim(lcl_tensor *t, int64_t dim, int32_t keepdim, lcl_tensor **values,
                       lcl_tensor **indices);
/* dim_given = 0 takes the argmax of the flattened tensor. */
lcl_status lcl_argmax(lcl_tensor *t, int64_t dim, int32_t dim_given, int32_t keepdim,
                      lcl_tensor **out);
lcl_status lcl_argmin(lcl_tensor *t, int64_t dim, int32_t dim_given, int32_t keepdim,
                      lcl_tensor **out);
lcl_status lcl_topk(lcl_tensor *t, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                    lcl_tensor **values, lcl_tensor **indices);
lcl_status lcl_cumsum(lcl_tensor *t, int64_t dim, lcl_tensor **out);
lcl_status lcl_any(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_all(lcl_tensor *t, lcl_tensor **out);

/* ---- linear algebra and neural-network functions ------------------------------------- */
lcl_status lcl_matmul(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_bmm(lcl_tensor *a, lcl_tensor *b, lcl_tensor **out);
lcl_status lcl_addmm(lcl_tensor *self, lcl_tensor *a, lcl_tensor *b, double beta, double alpha,
                     lcl_tensor **out);
/* weight [out, in] as torch.nn.Linear; bias may be NULL. */
lcl_status lcl_linear(lcl_tensor *x, lcl_tensor *weight, lcl_tensor *bias, lcl_tensor **out);
lcl_status lcl_conv2d(lcl_tensor *x, lcl_tensor *weight, lcl_tensor *bias, int64_t stride_h,
                      int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                      int64_t dilation_w, int64_t groups, lcl_tensor **out);
lcl_status lcl_layer_norm(lcl_tensor *x, const int64_t *normalized_shape, int64_t ndim,
                          lcl_tensor *weight, lcl_tensor *bias, double eps, lcl_tensor **out);
/* approximate: 0 = exact (erf), 1 = tanh. */
lcl_status lcl_gelu(lcl_tensor *x, int32_t approximate, lcl_tensor **out);
/* dtype -1 keeps the input's dtype. */
lcl_status lcl_softmax(lcl_tensor *x, int64_t dim, int32_t dtype, lcl_tensor **out);
lcl_status lcl_log_softmax(lcl_tensor *x, int64_t dim, int32_t dtype, lcl_tensor **out);
lcl_status lcl_logsumexp(lcl_tensor *x, const int64_t *dims, int64_t ndims, int32_t keepdim,
                         lcl_tensor **out);
lcl_status lcl_dropout(lcl_tensor *x, double p, int32_t train, lcl_tensor **out);
/* padding_idx -1 for none. */
lcl_status lcl_embedding(lcl_tensor *weight, lcl_tensor *indices, int64_t padding_idx,
                         lcl_tensor **out);
/* reduction: 0 none, 1 mean, 2 sum (at::Reduction). target holds class indices. */
lcl_status lcl_cross_entropy(lcl_tensor *input, lcl_tensor *target, lcl_tensor *weight,
                             int64_t reduction, int64_t ignore_index, double label_smoothing,
                             lcl_tensor **out);
lcl_status lcl_mse_loss(lcl_tensor *input, lcl_tensor *target, int64_t reduction,
                        lcl_tensor **out);
/* F.normalize: x / max(||x||_p, eps) along dim. */
lcl_status lcl_normalize(lcl_tensor *x, double p, int64_t dim, double eps, lcl_tensor **out);
/* q,k,v [..., L, E]; attn_mask additive float or boolean (true = attend), may be NULL.
 * scale <= 0 uses 1/sqrt(E). Uses libtorch's fused kernel where the version has one. */
lcl_status lcl_scaled_dot_product_attention(lcl_tensor *q, lcl_tensor *k, lcl_tensor *v,
                                            lcl_tensor *attn_mask, double dropout_p,
                                            int32_t is_causal, double scale, lcl_tensor **out);
lcl_status lcl_triu(lcl_tensor *t, int64_t diagonal, lcl_tensor **out);
lcl_status lcl_tril(lcl_tensor *t, int64_t diagonal, lcl_tensor **out);
lcl_status lcl_one_hot(lcl_tensor *t, int64_t num_classes, lcl_tensor **out);
lcl_status lcl_interpolate_bicubic(lcl_tensor *x, int64_t out_h, int64_t out_w,
                                   int32_t align_corners, int32_t antialias, lcl_tensor **out);

/* ---- autograd ------------------------------------------------------------------------ */
/* grad may be NULL for a scalar output. */
lcl_status lcl_backward(lcl_tensor *t, lcl_tensor *grad, int32_t retain_graph,
                        int32_t create_graph);
/* *out is NULL when the tensor has no gradient. */
lcl_status lcl_grad(lcl_tensor *t, lcl_tensor **out);
/* grad NULL clears it (PyTorch's zero_grad(set_to_none=True)). */
lcl_status lcl_set_grad(lcl_tensor *t, lcl_tensor *grad);
lcl_status lcl_zero_grad(lcl_tensor *t);
lcl_status lcl_detach(lcl_tensor *t, lcl_tensor **out);
lcl_status lcl_detach_(lcl_tensor *t);
lcl_status lcl_requires_grad_(lcl_tensor *t, int32_t requires_grad);
lcl_status lcl_is_leaf(lcl_tensor *t, int32_t *out);
lcl_status lcl_retain_grad(lcl_tensor *t);
lcl_status lcl_grad_enabled(int32_t *out);
lcl_status lcl_set_grad_enabled(int32_t enabled);
/* Sets the data of a leaf parameter (like `p.data = value`), keeping its identity. */
lcl_status lcl_set_data(lcl_tensor *t, lcl_tensor *value);
/* torch.nn.utils.clip_grad_norm_ over count parameters; writes the total norm before clipping. */
lcl_status lcl_clip_grad_norm_(lcl_tensor *const *params, int64_t count, double max_norm,
                               double norm_type, double *total_norm);

/* Gradient checkpointing (torch.utils.checkpoint, reentrant form): fn(ctx, input, &output)
 * runs without recording a graph; backward runs it again with grad enabled (same RNG and
 * autocast state) and backpropagates through it. fn returns 0, or non-zero after calling
 * lcl_set_error. ctx and fn must stay valid until the graph is freed. */
typedef lcl_status (*lcl_forward_fn)(void *ctx, lcl_tensor *input, lcl_tensor **output);
lcl_status lcl_checkpoint(lcl_forward_fn fn, void *ctx, lcl_tensor *input, lcl_tensor **out);
/* Sets the calling thread's last error (for callbacks reporting a failure). */
lcl_status lcl_set_error(const char *message);

/* Calls fn(ctx) each time backward has accumulated a gradient into the leaf t (a post hook of
 * t's AccumulateGrad node: t's .grad already holds the new value). fn runs on the thread that
 * executes that part of backward (on CPU, the thread calling backward) and returns 0, or
 * non-zero after lcl_set_error, which fails the backward with that message. The handle keeps
 * t's gradient accumulator alive (so graphs built later, checkpoint recomputation included,
 * reach the same hook) until lcl_grad_hook_remove, which unregisters the hook and frees the
 * handle. t must be a leaf that requires grad. */
typedef lcl_status (*lcl_hook_fn)(void *ctx);
lcl_status lcl_tensor_register_grad_accumulated_hook(lcl_tensor *t, lcl_hook_fn fn, void *ctx,
                                                     lcl_grad_hook **out);
lcl_status lcl_grad_hook_remove(lcl_grad_hook *h);

/* One AdamW step (torch.optim.AdamW, single-tensor form) over count parameters that have a
 * gradient: steps[i] is the parameter's step count after this update (>= 1). Runs under
 * no-grad. Parameters without a gradient are skipped. */
lcl_status lcl_adamw_step_(lcl_tensor *const *params, lcl_tensor *const *exp_avgs, lcl_tensor *const *exp_avg_sqs,
                           const int64_t *steps, int64_t count, double lr, double beta1, double beta2, double eps,
                           double weight_decay);

/* ---- autocast (thread-local, like libtorch) ------------------------------------------ */
lcl_status lcl_autocast_enabled(int32_t device_type, int32_t *out);
lcl_status lcl_set_autocast_enabled(int32_t device_type, int32_t enabled);
lcl_status lcl_autocast_dtype(int32_t device_type, int32_t *out);
lcl_status lcl_set_autocast_dtype(int32_t device_type, int32_t dtype);
lcl_status lcl_autocast_increment_nesting(int64_t *out);
lcl_status lcl_autocast_decrement_nesting(int64_t *out);
lcl_status lcl_autocast_clear_cache(void);

/* ---- CUDA ---------------------------------------------------------------------------- */
lcl_status lcl_cuda_is_available(int32_t *out);
lcl_status lcl_cuda_device_count(int32_t *out);
lcl_status lcl_cuda_synchronize(int32_t device_index);
lcl_status lcl_cuda_memory_allocated(int32_t device_index, int64_t *out);
lcl_status lcl_cuda_memory_reserved(int32_t device_index, int64_t *out);
lcl_status lcl_cuda_max_memory_allocated(int32_t device_index, int64_t *out);
lcl_status lcl_cuda_reset_peak_memory_stats(int32_t device_index);
lcl_status lcl_cuda_empty_cache(void);
lcl_status lcl_cuda_manual_seed_all(int64_t seed);

/* ---- serialization (torch.save / torch.load of a single tensor) ---------------------- */
lcl_status lcl_save_tensor(lcl_tensor *t, const char *path);
lcl_status lcl_load_tensor(const char *path, lcl_tensor **out);

/* ---- c10d ---------------------------------------------------------------------------- */
lcl_status lcl_store_tcp_create(const char *host, int32_t port, int32_t world_size,
                                int32_t is_master, int64_t timeout_ms, lcl_store **out);
lcl_status lcl_store_set(lcl_store *s, const char *key, const void *value, int64_t nbytes);
/* Waits for the key; writes up to capacity bytes, *nbytes receives the value's length. */
lcl_status lcl_store_get(lcl_store *s, const char *key, void *value, int64_t capacity,
                         int64_t *nbytes);
lcl_status lcl_store_add(lcl_store *s, const char *key, int64_t delta, int64_t *out);
lcl_status lcl_store_free(lcl_store *s);
/* backend: 0 = gloo (CPU tensors), 1 = nccl (CUDA tensors; only when built with CUDA). */
lcl_status lcl_process_group_create(lcl_store *store, int32_t backend, int32_t rank,
                                    int32_t world_size, int64_t timeout_ms,
                                    lcl_process_group **out);
/* reduce_op: 0 sum, 1 avg (sum then divide), 2 max, 3 min. In place on each tensor. */
lcl_status lcl_pg_allreduce(lcl_process_group *pg, lcl_tensor *const *tensors, int64_t count,
                            int32_t reduce_op);
/* outs receives world_size new tensors shaped like t (rank order). */
/* lcl_pg_allreduce started without waiting: the tensors must not be used (nor freed by
 * their owner before lcl_work_wait returns; the work holds references) until lcl_work_wait. */
lcl_status lcl_pg_allreduce_async(lcl_process_group *pg, lcl_tensor *const *tensors,
                                  int64_t count, int32_t reduce_op, lcl_work **out);
/* Waits for the collective (and, for avg, divides); later calls return at once. */
lcl_status lcl_work_wait(lcl_work *w);
/* Frees the work, waiting for it first when nobody has (reporting its failure, if any). */
lcl_status lcl_work_free(lcl_work *w);
lcl_status lcl_pg_allgather(lcl_process_group *pg, lcl_tensor *t, lcl_tensor **outs,
                            int64_t capacity);
lcl_status lcl_pg_broadcast(lcl_process_group *pg, lcl_tensor *const *tensors, int64_t count,
                            int32_t root);
lcl_status lcl_pg_barrier(lcl_process_group *pg);
lcl_status lcl_pg_rank(lcl_process_group *pg, int32_t *out);
lcl_status lcl_pg_size(lcl_process_group *pg, int32_t *out);
lcl_status lcl_process_group_free(lcl_process_group *pg);

#ifdef __cplusplus
}
#endif

#endif /* LCL_TORCH_H */
