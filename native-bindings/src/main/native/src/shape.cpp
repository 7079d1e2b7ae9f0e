// Views, shape manipulation and indexing.
#include "common.h"

using namespace lcl;

namespace {

c10::List<lcl::optional<at::Tensor>> index_list(const at::Tensor &index) {
    c10::List<lcl::optional<at::Tensor>> list;
    list.push_back(index);
    return list;
}

}  // namespace

LCL_API lcl_status lcl_contiguous(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().contiguous()); });
}

LCL_API lcl_status lcl_view(lcl_tensor *t, const int64_t *shape, int64_t ndim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().view(dims(shape, ndim))); });
}

LCL_API lcl_status lcl_reshape(lcl_tensor *t, const int64_t *shape, int64_t ndim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().reshape(dims(shape, ndim))); });
}

LCL_API lcl_status lcl_permute(lcl_tensor *t, const int64_t *d, int64_t ndim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().permute(dims(d, ndim))); });
}

LCL_API lcl_status lcl_transpose(lcl_tensor *t, int64_t dim0, int64_t dim1, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().transpose(dim0, dim1)); });
}

LCL_API lcl_status lcl_squeeze(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().squeeze()); });
}

LCL_API lcl_status lcl_squeeze_dim(lcl_tensor *t, int64_t dim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().squeeze(dim)); });
}

LCL_API lcl_status lcl_unsqueeze(lcl_tensor *t, int64_t dim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().unsqueeze(dim)); });
}

LCL_API lcl_status lcl_flatten(lcl_tensor *t, int64_t start_dim, int64_t end_dim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().flatten(start_dim, end_dim)); });
}

LCL_API lcl_status lcl_slice(lcl_tensor *t, int64_t dim, int64_t start, int64_t end, int64_t step,
                             lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().slice(dim, start, end, step)); });
}

LCL_API lcl_status lcl_narrow(lcl_tensor *t, int64_t dim, int64_t start, int64_t length, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().narrow(dim, start, length)); });
}

LCL_API lcl_status lcl_select(lcl_tensor *t, int64_t dim, int64_t index, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().select(dim, index)); });
}

LCL_API lcl_status lcl_expand(lcl_tensor *t, const int64_t *shape, int64_t ndim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().expand(dims(shape, ndim))); });
}

LCL_API lcl_status lcl_repeat(lcl_tensor *t, const int64_t *repeats, int64_t ndim, lcl_tensor **out) {
    return guard([&] { *out = give(ref(t).get().repeat(dims(repeats, ndim))); });
}

LCL_API lcl_status lcl_cat(lcl_tensor *const *tensors, int64_t count, int64_t dim, lcl_tensor **out) {
    return guard([&] { *out = give(at::cat(refs(tensors, count), dim)); });
}

LCL_API lcl_status lcl_stack(lcl_tensor *const *tensors, int64_t count, int64_t dim, lcl_tensor **out) {
    return guard([&] { *out = give(at::stack(refs(tensors, count), dim)); });
}

LCL_API lcl_status lcl_split(lcl_tensor *t, int64_t split_size, int64_t dim, lcl_tensor **outs,
                             int64_t capacity, int64_t *count) {
    return guard([&] { give_list(ref(t).get().split(split_size, dim), outs, capacity, count); });
}

LCL_API lcl_status lcl_split_sizes(lcl_tensor *t, const int64_t *sizes, int64_t nsizes, int64_t dim,
                                   lcl_tensor **outs, int64_t capacity, int64_t *count) {
    return guard([&] {
        give_list(ref(t).get().split_with_sizes(dims(sizes, nsizes), dim), outs, capacity, count);
    });
}

LCL_API lcl_status lcl_chunk(lcl_tensor *t, int64_t chunks, int64_t dim, lcl_tensor **outs, int64_t capacity,
                             int64_t *count) {
    return guard([&] { give_list(ref(t).get().chunk(chunks, dim), outs, capacity, count); });
}

LCL_API lcl_status lcl_index_select(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor **out) {
    return guard([&] { *out = give(at::index_select(ref(t), dim, ref(index))); });
}

LCL_API lcl_status lcl_gather(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor **out) {
    return guard([&] { *out = give(at::gather(ref(t), dim, ref(index))); });
}

LCL_API lcl_status lcl_scatter(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor *src,
                               lcl_tensor **out) {
    return guard([&] { *out = give(at::scatter(ref(t), dim, ref(index), ref(src).get())); });
}

LCL_API lcl_status lcl_scatter_add(lcl_tensor *t, int64_t dim, lcl_tensor *index, lcl_tensor *src,
                                   lcl_tensor **out) {
    return guard([&] { *out = give(at::scatter_add(ref(t), dim, ref(index), ref(src))); });
}

LCL_API lcl_status lcl_masked_fill(lcl_tensor *t, lcl_tensor *mask, double value, lcl_tensor **out) {
    return guard([&] { *out = give(at::masked_fill(ref(t), ref(mask), value)); });
}

LCL_API lcl_status lcl_masked_fill_(lcl_tensor *t, lcl_tensor *mask, double value) {
    return guard([&] { ref(t).get().masked_fill_(ref(mask), value); });
}

LCL_API lcl_status lcl_masked_select(lcl_tensor *t, lcl_tensor *mask, lcl_tensor **out) {
    return guard([&] { *out = give(at::masked_select(ref(t), ref(mask))); });
}

LCL_API lcl_status lcl_where(lcl_tensor *cond, lcl_tensor *a, lcl_tensor *b, lcl_tensor **out) {
    return guard([&] { *out = give(at::where(ref(cond), ref(a).get(), ref(b).get())); });
}

LCL_API lcl_status lcl_nonzero(lcl_tensor *t, lcl_tensor **out) {
    return guard([&] { *out = give(at::nonzero(ref(t))); });
}

LCL_API lcl_status lcl_index(lcl_tensor *t, lcl_tensor *index, lcl_tensor **out) {
    return guard([&] { *out = give(at::index(ref(t), index_list(ref(index)))); });
}

LCL_API lcl_status lcl_index_put(lcl_tensor *t, lcl_tensor *index, lcl_tensor *values, int32_t accumulate,
                                 lcl_tensor **out) {
    return guard([&] {
        *out = give(at::index_put(ref(t), index_list(ref(index)), ref(values), accumulate != 0));
    });
}

LCL_API lcl_status lcl_index_put_(lcl_tensor *t, lcl_tensor *index, lcl_tensor *values, int32_t accumulate) {
    return guard([&] {
        auto b = ref(t);
        at::index_put_(const_cast<at::Tensor &>(b.get()), index_list(ref(index)), ref(values), accumulate != 0);
    });
}
