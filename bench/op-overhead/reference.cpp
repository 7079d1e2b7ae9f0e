// The C++ side of `scripts/bench op-overhead`: the same op sequences as OpOverhead.java, written
// directly against libtorch's C++ API (ATen), calling the very ATen functions that liblcl_torch.so
// calls for each op of the Java side (see native-bindings/src/main/native/src).
//
// Built as a shared library with liblcl_torch.so's flags and loaded by the Java driver, which
// calls one loop per round through a single downcall, on the thread that runs the Java side's
// rounds: both sides then share the process, the thread, glibc's malloc arena and libtorch's
// state, and differ only in the layer that issues the ops (see docs/benchmarks.md for why a
// separate process cannot resolve a few percent).
//
//   int lcl_ref_init(int threads, void **tensors, int count, char *banner, int capacity)
//       takes its own reference to the Java side's input tensors and parameters (their lcl_tensor*
//       handles, i.e. TensorImpl*, in the order of OpOverhead.inputs()); 0 on success
//   int lcl_ref_run(int which, long iterations)    0 add, 1 linear, 2 block; 0 on success
//   const char *lcl_ref_error()                     the message of the last failure
//
// Both sides compute on the very same tensors (and accumulate into the same .grad), so that
// where the inputs and parameters lie in memory is not a difference between them. Every
// iteration creates its result tensors and frees them when it ends, as the Java side does
// through a Scope per iteration.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#define REF_API extern "C" __attribute__((visibility("default")))

namespace {

// Shapes: keep in sync with OpOverhead.java.
constexpr int64_t LIN = 64;                               // (b): x [64, 64], weight [64, 64]
constexpr int64_t B = 8, T = 64, C = 128, H = 4, D = C / H;  // (c): pre-LN block

struct Block {
    at::Tensor x, ln1w, ln1b, inW, inB, outW, outB, ln2w, ln2b, fcW, fcB, projW, projB;
};

struct Tensors {
    at::Tensor a, b;       // (a)
    at::Tensor lx, lw, lb;  // (b)
    Block p;                // (c)
};

std::unique_ptr<Tensors> tensors;
std::string last_error;

// A new owning reference to the tensor behind an lcl_tensor* handle (the handle is its TensorImpl*).
at::Tensor adopt(void *handle) {
    if (handle == nullptr) {
        throw std::invalid_argument("null tensor handle");
    }
    return at::Tensor(c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::unsafe_reclaim_from_nonowning(
            static_cast<at::TensorImpl *>(handle)));
}

// What lcl_scaled_dot_product_attention runs (nn.cpp): the fused op on 2.1+, else the math
// path written out there, with no mask, no dropout, not causal, scale 1/sqrt(E).
at::Tensor attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    return at::scaled_dot_product_attention(q, k, v, {}, 0.0, false, c10::nullopt);
#else
    double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    auto scores = at::matmul(q, k.transpose(-2, -1)).mul(scale);
    auto attn = at::softmax(scores, -1);
    return at::matmul(attn, v);
#endif
}

// (a) add of two 1-element tensors. lcl_add calls at::add(a, b, alpha) and hands a whole alpha
// over as an integral Scalar (math.cpp, number()), as at::add's default alpha = 1 is here.
void add_loop(const at::Tensor &a, const at::Tensor &b, long n) {
    for (long i = 0; i < n; ++i) {
        at::Tensor c = at::add(a, b);
    }
}

// (b) linear + gelu, sum, backward (lcl_linear, lcl_gelu "none", lcl_sum, lcl_backward).
void linear_loop(const at::Tensor &x, const at::Tensor &w, const at::Tensor &bias, long n) {
    for (long i = 0; i < n; ++i) {
        at::Tensor y = at::linear(x, w, bias);
        at::Tensor z = at::gelu(y, "none");
        at::Tensor loss = at::sum(z, c10::optional<at::ScalarType>());
        loss.backward({}, false, false);
    }
}

// (c) one pre-LN transformer block, forward and backward.
void block_loop(const Block &p, long n) {
    const int64_t width[1] = {C};
    for (long i = 0; i < n; ++i) {
        at::Tensor h = at::layer_norm(p.x, width, p.ln1w, p.ln1b, 1e-5);
        at::Tensor qkv = at::linear(h, p.inW, p.inB);
        std::vector<at::Tensor> parts = qkv.chunk(3, -1);
        at::Tensor q = parts[0].reshape({B, T, H, D});
        at::Tensor qt = q.transpose(1, 2);
        at::Tensor k = parts[1].reshape({B, T, H, D});
        at::Tensor kt = k.transpose(1, 2);
        at::Tensor v = parts[2].reshape({B, T, H, D});
        at::Tensor vt = v.transpose(1, 2);
        at::Tensor a = attention(qt, kt, vt);
        at::Tensor at_ = a.transpose(1, 2);
        at::Tensor o = at_.reshape({B, T, C});
        at::Tensor proj = at::linear(o, p.outW, p.outB);
        at::Tensor x1 = at::add(p.x, proj);
        at::Tensor h2 = at::layer_norm(x1, width, p.ln2w, p.ln2b, 1e-5);
        at::Tensor f1 = at::linear(h2, p.fcW, p.fcB);
        at::Tensor g = at::gelu(f1, "none");
        at::Tensor f2 = at::linear(g, p.projW, p.projB);
        at::Tensor x2 = at::add(x1, f2);
        at::Tensor loss = at::sum(x2, c10::optional<at::ScalarType>());
        loss.backward({}, false, false);
    }
}

}  // namespace

REF_API int lcl_ref_init(int threads, void **handles, int count, char *banner, int capacity) {
    try {
        constexpr int expected = 2 + 3 + 13;
        if (count != expected) {
            throw std::invalid_argument("expected " + std::to_string(expected) + " tensors, got " + std::to_string(count));
        }
        at::set_num_threads(threads);
        auto t = std::make_unique<Tensors>();
        int i = 0;
        for (at::Tensor *slot : {&t->a, &t->b, &t->lx, &t->lw, &t->lb, &t->p.x, &t->p.ln1w, &t->p.ln1b, &t->p.inW,
                                 &t->p.inB, &t->p.outW, &t->p.outB, &t->p.ln2w, &t->p.ln2b, &t->p.fcW, &t->p.fcB,
                                 &t->p.projW, &t->p.projB}) {
            *slot = adopt(handles[i++]);
        }
        tensors = std::move(t);
        std::snprintf(banner, static_cast<size_t>(capacity), "%d.%d.%d threads=%d", TORCH_VERSION_MAJOR,
                      TORCH_VERSION_MINOR, TORCH_VERSION_PATCH, at::get_num_threads());
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
        return 1;
    }
}

REF_API int lcl_ref_run(int which, long n) {
    if (!tensors) {
        last_error = "lcl_ref_init was not called";
        return 1;
    }
    try {
        const Tensors &t = *tensors;
        switch (which) {
            case 0: add_loop(t.a, t.b, n); return 0;
            case 1: linear_loop(t.lx, t.lw, t.lb, n); return 0;
            case 2: block_loop(t.p, n); return 0;
            default: last_error = "unknown case " + std::to_string(which); return 1;
        }
    } catch (const std::exception &e) {
        last_error = e.what();
        return 1;
    }
}

REF_API const char *lcl_ref_error() { return last_error.c_str(); }
