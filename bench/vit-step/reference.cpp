// The C++ side of `scripts/bench vit-step`: OpenCLIP's ViT-B/32 vision tower (image 224, patch 32,
// width 768, 12 layers, 12 heads, MLP 3072, exact GELU, ln_pre, ln_post, class-token pooling,
// proj 768 -> 512) written directly against libtorch's C++ API (ATen), one training step =
// forward, loss = output.sum(), backward, every gradient set to none.
//
// It computes exactly the ops that the DSL model of VitStep.java runs through liblcl_torch.so,
// in the same order (lcl-dsl/src/main/java/org/lcl/dsl/layers and native-bindings/src/main/native/src):
//   conv1        PatchEmbed:          at::conv2d(x, w, {}, stride 32, pad 0, dil 1, groups 1).flatten(2, 3).transpose(1, 2)
//   class_embed  ClassToken:          cls.to(dtype).view({1, 1, W}).expand({B, 1, W}); at::cat({cls, x}, 1)
//   positions    PositionalEmbedding: at::add(x, pos.to(dtype))
//   ln_pre, ln_1, ln_2, ln_post       at::layer_norm(x, {W}, w, b, 1e-5)
//   attn         MultiheadAttention:  at::linear(x, in_w, in_b).chunk(3, -1); each .view({B, L, H, D}).transpose(1, 2);
//                                     scaled dot-product attention as lcl_scaled_dot_product_attention runs it (nn.cpp:
//                                     on libtorch < 2.1 the math path matmul, mul(1/sqrt(D)), softmax, matmul; the fused
//                                     op from 2.1); .transpose(1, 2).reshape({B, L, W}); at::linear(., out_w, out_b)
//   mlp          Mlp:                 at::linear, at::gelu(., "none"), at::linear
//   residuals    ResidualAttentionBlock: at::add(x, attn(ln_1(x))); at::add(x, mlp(ln_2(x)))
//   pooling      TokenPool FIRST:     x.select(1, 0)
//   proj         Projection:          at::matmul(x, proj)
//   loss         Tensor.sum():        at::sum(x, nullopt); backward; grads set to none (lcl_set_grad with NULL).
//
// Parameters are created in the DSL's order with its initialisers (torch.empty then uniform_ /
// normal_ / fill_, seed 0), then the input randn [8, 3, 224, 224]: both sides hold identical
// weights and input, so the first step's loss must match (VitStep.java compares them).
//
// It is a child process of the Java driver, which interleaves rounds of both sides. Protocol,
// one line each way:
//   driver: "step <n>"  reply: "<loss of the first of the n steps> <wall ns> <cpu ns> ... (n pairs)"
//   driver: "rss"       reply: "<VmHWM kB> <VmRSS kB>"   (peak and current resident set, /proc/self/status)
//   driver: "quit"      (exits)
// On start it prints "ready <libtorch version> threads=<n> params=<count>".
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

// OpenCLIP ViT-B/32 (configs/ViT-B-32.json, vision_cfg): keep in sync with VitStep.java.
constexpr int64_t BATCH = 8, IMAGE = 224, PATCH = 32, WIDTH = 768, LAYERS = 12, HEADS = 12, MLP = 3072, EMBED = 512;
constexpr int64_t GRID = IMAGE / PATCH, TOKENS = GRID * GRID + 1, HEAD_DIM = WIDTH / HEADS;
constexpr double LN_EPS = 1e-5;

struct Block {
    at::Tensor ln1_w, ln1_b, in_w, in_b, out_w, out_b, ln2_w, ln2_b, fc_w, fc_b, cproj_w, cproj_b;
};

struct Vit {
    at::Tensor conv1_w, class_embedding, positional_embedding, ln_pre_w, ln_pre_b, ln_post_w, ln_post_b, proj;
    std::vector<Block> blocks;
    std::vector<at::Tensor> params;  // every parameter, for zeroing the gradients
};

// The DSL's CompileContext.parameter + Init (lcl-dsl/src/main/java/org/lcl/dsl): empty float32, filled
// in place without recording gradients.
at::Tensor uniform(at::IntArrayRef shape, double bound) { return at::empty(shape).uniform_(-bound, bound); }
at::Tensor normal(at::IntArrayRef shape, double std) { return at::empty(shape).normal_(0.0, std); }
at::Tensor ones(at::IntArrayRef shape) { return at::empty(shape).fill_(1.0); }
at::Tensor zeros(at::IntArrayRef shape) { return at::empty(shape).fill_(0.0); }
double kaiming(int64_t fan_in) { return 1.0 / std::sqrt(static_cast<double>(fan_in)); }  // Init.pytorchDefault

// In the order the DSL creates them (VisionTransformers.spec: conv1, class_embedding,
// positional_embedding, ln_pre, resblocks 0..11 (ln_1, attn in_proj_weight, in_proj_bias, out_proj
// weight, bias, ln_2, mlp c_fc weight, bias, c_proj weight, bias), ln_post, proj).
Vit create_model() {
    Vit m;
    m.conv1_w = uniform({WIDTH, 3, PATCH, PATCH}, kaiming(3 * PATCH * PATCH));
    m.class_embedding = normal({WIDTH}, std::pow(WIDTH, -0.5));
    m.positional_embedding = normal({TOKENS, WIDTH}, std::pow(WIDTH, -0.5));
    m.ln_pre_w = ones({WIDTH});
    m.ln_pre_b = zeros({WIDTH});
    const double xavier = std::sqrt(6.0 / static_cast<double>(WIDTH + 3 * WIDTH));
    for (int64_t i = 0; i < LAYERS; ++i) {
        Block b;
        b.ln1_w = ones({WIDTH});
        b.ln1_b = zeros({WIDTH});
        b.in_w = uniform({3 * WIDTH, WIDTH}, xavier);
        b.in_b = zeros({3 * WIDTH});
        b.out_w = uniform({WIDTH, WIDTH}, kaiming(WIDTH));
        b.out_b = zeros({WIDTH});
        b.ln2_w = ones({WIDTH});
        b.ln2_b = zeros({WIDTH});
        b.fc_w = uniform({MLP, WIDTH}, kaiming(WIDTH));
        b.fc_b = uniform({MLP}, kaiming(WIDTH));
        b.cproj_w = uniform({WIDTH, MLP}, kaiming(MLP));
        b.cproj_b = uniform({WIDTH}, kaiming(MLP));
        m.blocks.push_back(b);
    }
    m.ln_post_w = ones({WIDTH});
    m.ln_post_b = zeros({WIDTH});
    m.proj = normal({WIDTH, EMBED}, std::pow(WIDTH, -0.5));

    m.params = {m.conv1_w, m.class_embedding, m.positional_embedding, m.ln_pre_w, m.ln_pre_b};
    for (const Block &b : m.blocks) {
        for (const at::Tensor &t : {b.ln1_w, b.ln1_b, b.in_w, b.in_b, b.out_w, b.out_b, b.ln2_w, b.ln2_b, b.fc_w, b.fc_b,
                                    b.cproj_w, b.cproj_b}) {
            m.params.push_back(t);
        }
    }
    m.params.push_back(m.ln_post_w);
    m.params.push_back(m.ln_post_b);
    m.params.push_back(m.proj);
    for (at::Tensor &p : m.params) {
        p.requires_grad_(true);  // Module.addParameter, after the init
    }
    return m;
}

at::Tensor layer_norm(const at::Tensor &x, const at::Tensor &w, const at::Tensor &b) {
    const int64_t shape[1] = {WIDTH};
    return at::layer_norm(x, shape, w, b, LN_EPS);
}

// lcl_scaled_dot_product_attention (nn.cpp) with no mask, no dropout, not causal, default scale.
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

// MultiheadAttention.forward (batch first, no mask).
at::Tensor self_attention(const at::Tensor &x, const Block &p) {
    const int64_t b = x.size(0), l = x.size(1), w = x.size(2), d = w / HEADS;
    std::vector<at::Tensor> qkv = at::linear(x, p.in_w, p.in_b).chunk(3, -1);
    at::Tensor q = qkv[0].view({b, l, HEADS, d}).transpose(1, 2);
    at::Tensor k = qkv[1].view({b, l, HEADS, d}).transpose(1, 2);
    at::Tensor v = qkv[2].view({b, l, HEADS, d}).transpose(1, 2);
    at::Tensor o = attention(q, k, v);
    return at::linear(o.transpose(1, 2).reshape({b, l, w}), p.out_w, p.out_b);
}

// ResidualAttentionBlock.forward (pre-LN, no layer scale).
at::Tensor block(const at::Tensor &x, const Block &p) {
    at::Tensor a = self_attention(layer_norm(x, p.ln1_w, p.ln1_b), p);
    at::Tensor x1 = at::add(x, a);
    at::Tensor h = at::linear(layer_norm(x1, p.ln2_w, p.ln2_b), p.fc_w, p.fc_b);
    at::Tensor m = at::linear(at::gelu(h, "none"), p.cproj_w, p.cproj_b);
    return at::add(x1, m);
}

// The DSL model's forward: images [B, 3, 224, 224] -> [B, 512].
at::Tensor forward(const Vit &m, const at::Tensor &images) {
    // conv1 (PatchEmbed; lcl_conv2d's arguments)
    const int64_t stride[2] = {PATCH, PATCH}, pad[2] = {0, 0}, dil[2] = {1, 1};
    at::Tensor x = at::conv2d(images, m.conv1_w, c10::optional<at::Tensor>(), stride, pad, dil, 1).flatten(2, 3).transpose(1, 2);
    // class_embedding (ClassToken)
    const int64_t b = x.size(0), w = x.size(2);
    at::Tensor cls = m.class_embedding.to(x.scalar_type()).view({1, 1, w}).expand({b, 1, w});
    x = at::cat({cls, x}, 1);
    // positional_embedding (PositionalEmbedding: all positions, the length matches)
    x = at::add(x, m.positional_embedding.to(x.scalar_type()));
    x = layer_norm(x, m.ln_pre_w, m.ln_pre_b);
    for (const Block &p : m.blocks) {
        x = block(x, p);
    }
    x = layer_norm(x, m.ln_post_w, m.ln_post_b);
    x = x.select(1, 0);  // TokenPool FIRST
    return at::matmul(x, m.proj);
}

long long process_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// A "VmHWM:" / "VmRSS:" value of /proc/self/status in kB, or -1.
long status_kb(const std::string &key) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(key, 0) == 0) {
            return std::stol(line.substr(key.size()));
        }
    }
    return -1;
}

int serve(int threads) {
    at::set_num_threads(threads);
    at::manual_seed(0);
    Vit m = create_model();
    at::Tensor images = at::randn({BATCH, 3, IMAGE, IMAGE});
    int64_t count = 0;
    for (const at::Tensor &p : m.params) {
        count += p.numel();
    }

    std::printf("ready %d.%d.%d threads=%d params=%lld\n", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH,
                at::get_num_threads(), static_cast<long long>(count));
    std::fflush(stdout);

    std::string command;
    while (std::cin >> command) {
        if (command == "quit") {
            break;
        }
        if (command == "rss") {
            std::printf("%ld %ld\n", status_kb("VmHWM:"), status_kb("VmRSS:"));
            std::fflush(stdout);
            continue;
        }
        long n = 0;
        if (command != "step" || !(std::cin >> n) || n < 1) {
            std::fprintf(stderr, "reference: expected 'step <n>', 'rss' or 'quit', got %s\n", command.c_str());
            return 2;
        }
        std::vector<long long> wall(n), cpu(n);
        double first_loss = 0;
        for (long i = 0; i < n; ++i) {
            long long c0 = process_cpu_ns();
            auto t0 = std::chrono::steady_clock::now();
            {
                at::Tensor out = forward(m, images);
                at::Tensor loss = at::sum(out, c10::optional<at::ScalarType>());
                loss.backward({}, false, false);
                if (i == 0) {
                    first_loss = loss.item<double>();
                }
            }
            for (at::Tensor &p : m.params) {
                p.mutable_grad() = at::Tensor();  // set to none
            }
            auto t1 = std::chrono::steady_clock::now();
            long long c1 = process_cpu_ns();
            wall[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
            cpu[i] = c1 - c0;
        }
        std::printf("%.9g", first_loss);
        for (long i = 0; i < n; ++i) {
            std::printf(" %lld %lld", wall[i], cpu[i]);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    int threads = argc > 1 ? std::stoi(argv[1]) : 1;
    // Everything runs on a second thread, as Java runs main() on a thread the launcher starts:
    // glibc's malloc then serves both sides from a per-thread arena rather than the main heap.
    int rc = 0;
    std::thread worker([&] { rc = serve(threads); });
    worker.join();
    return rc;
}
