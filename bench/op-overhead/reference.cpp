// The C++ side of `scripts/bench op-overhead`: the same op sequences as OpOverhead.java,
// written directly against libtorch's C++ API (ATen), calling the very ATen functions that
// liblcl_torch.so calls for each op of the Java side (see native-bindings/src/main/native/src).
//
// It is a child process of the Java driver, which interleaves rounds of both sides. Protocol,
// one line each way:
//   driver: "<case> <iterations>"   (case: add | linear | block)
//   reply:  "<wall ns> <cpu ns> <minor page faults> <thread cpu ns>"
//           (steady clock; CPU time and page faults of the whole process; CPU time of the thread running the ops)
//   driver: "quit"                  (exits)
// On start it prints "ready <libtorch version> threads=<n>".
//
// Every iteration creates its result tensors and frees them when it ends, as the Java side
// does through a Scope per iteration.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

// Shapes: keep in sync with OpOverhead.java.
constexpr int64_t LIN = 64;                               // (b): x [64, 64], weight [64, 64]
constexpr int64_t B = 8, T = 64, C = 128, H = 4, D = C / H;  // (c): pre-LN block

struct Block {
    at::Tensor x, ln1w, ln1b, inW, inB, outW, outB, ln2w, ln2b, fcW, fcB, projW, projB;
};

at::Tensor param(at::IntArrayRef shape) { return at::randn(shape, at::TensorOptions()).requires_grad_(true); }

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

long long process_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

long long thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

long long minor_faults() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

int serve(int threads) {
    at::set_num_threads(threads);
    at::manual_seed(0);

    // Created in the same order, with the same generator and seed, as on the Java side.
    at::Tensor a = at::randn({1});
    at::Tensor b = at::randn({1});

    at::Tensor lx = at::randn({LIN, LIN});
    at::Tensor lw = param({LIN, LIN});
    at::Tensor lb = param({LIN});

    Block p;
    p.x = at::randn({B, T, C}).requires_grad_(true);
    p.ln1w = param({C});
    p.ln1b = param({C});
    p.inW = param({3 * C, C});
    p.inB = param({3 * C});
    p.outW = param({C, C});
    p.outB = param({C});
    p.ln2w = param({C});
    p.ln2b = param({C});
    p.fcW = param({4 * C, C});
    p.fcB = param({4 * C});
    p.projW = param({C, 4 * C});
    p.projB = param({C});

    std::printf("ready %d.%d.%d threads=%d\n", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH,
                at::get_num_threads());
    std::fflush(stdout);

    std::string name;
    long n = 0;
    while (std::cin >> name) {
        if (name == "quit") {
            break;
        }
        if (!(std::cin >> n)) {
            std::fprintf(stderr, "reference: expected an iteration count after %s\n", name.c_str());
            return 2;
        }
        long long f0 = minor_faults();
        long long c0 = process_cpu_ns();
        long long h0 = thread_cpu_ns();
        auto t0 = std::chrono::steady_clock::now();
        if (name == "add") {
            add_loop(a, b, n);
        } else if (name == "linear") {
            linear_loop(lx, lw, lb, n);
        } else if (name == "block") {
            block_loop(p, n);
        } else {
            std::fprintf(stderr, "reference: unknown case %s\n", name.c_str());
            return 2;
        }
        auto t1 = std::chrono::steady_clock::now();
        long long h1 = thread_cpu_ns();
        long long c1 = process_cpu_ns();
        long long f1 = minor_faults();
        std::printf("%lld %lld %lld %lld\n",
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()), c1 - c0,
                    f1 - f0, h1 - h0);
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    int threads = argc > 1 ? std::stoi(argv[1]) : 1;
    // Everything runs on a second thread, as Java runs main() on a thread the launcher starts:
    // glibc's malloc then serves both sides from a per-thread arena rather than the main heap,
    // which changes how often large tensors cost fresh pages.
    int rc = 0;
    std::thread worker([&] { rc = serve(threads); });
    worker.join();
    return rc;
}
