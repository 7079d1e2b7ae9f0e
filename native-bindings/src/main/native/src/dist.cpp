// c10d: TCPStore rendezvous and process groups (Gloo on CPU, NCCL on CUDA when built with it).
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef LCL_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstring>
#include <functional>

#include "common.h"

struct lcl_store {
    c10::intrusive_ptr<c10d::Store> store;
};

struct lcl_process_group {
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef LCL_WITH_NCCL
    c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
    int rank = 0;
    int size = 1;

    // Calls f with whichever backend this group holds, both typed concretely so that the
    // code is the same for libtorch 1.13 (ProcessGroup) and 2.x (Backend).
    template <class F>
    void with(F &&f) {
#ifdef LCL_WITH_NCCL
        if (nccl) {
            f(*nccl);
            return;
        }
#endif
        f(*gloo);
    }
};

// Collectives started and not yet waited for; each wait is type-erased because the work type
// is ProcessGroup::Work in 1.13 and c10d::Work in 2.x.
struct lcl_work {
    std::vector<std::function<void()>> waits;
    std::vector<at::Tensor> divide;  // avg: divided by size once the sum has arrived
    int size = 1;
    bool done = false;

    void wait() {
        if (done) return;
        done = true;
        for (auto &w : waits) w();
        for (auto &t : divide) t.div_(size);
    }
};

using namespace lcl;

namespace {

lcl_store *store_of(lcl_store *s) {
    if (s == nullptr) throw std::invalid_argument("store handle is null");
    return s;
}

lcl_process_group *group_of(lcl_process_group *pg) {
    if (pg == nullptr) throw std::invalid_argument("process group handle is null");
    return pg;
}

// Starts f on each tensor alone, then waits for every one of them.
template <class F>
void wait_all(const std::vector<at::Tensor> &tensors, F &&f) {
    std::vector<std::vector<at::Tensor>> lists;
    lists.reserve(tensors.size());
    for (const auto &t : tensors) lists.push_back({t});
    std::vector<decltype(f(lists[0]))> works;
    for (auto &l : lists) works.push_back(f(l));
    for (auto &w : works) w->wait();
}

c10d::ReduceOp reduce_op(int32_t op) {
    switch (op) {
        case 0: case 1: return c10d::ReduceOp::SUM;
        case 2: return c10d::ReduceOp::MAX;
        case 3: return c10d::ReduceOp::MIN;
        default: throw std::invalid_argument("unknown reduce op code " + std::to_string(op));
    }
}

}  // namespace

LCL_API lcl_status lcl_store_tcp_create(const char *host, int32_t port, int32_t world_size, int32_t is_master,
                                        int64_t timeout_ms, lcl_store **out) {
    return guard([&] {
        if (port <= 0 || port > 65535) throw std::invalid_argument("TCPStore port out of range: " + std::to_string(port));
        c10d::TCPStoreOptions o;
        o.port = static_cast<std::uint16_t>(port);
        o.isServer = is_master != 0;
        o.numWorkers = static_cast<std::size_t>(world_size);
        o.waitWorkers = false;
        o.timeout = std::chrono::milliseconds(timeout_ms);
        auto s = c10::make_intrusive<c10d::TCPStore>(std::string(host), o);
        *out = new lcl_store{s};
    });
}

LCL_API lcl_status lcl_store_set(lcl_store *s, const char *key, const void *value, int64_t nbytes) {
    return guard([&] {
        if (nbytes < 0) throw std::invalid_argument("store set: negative size " + std::to_string(nbytes));
        auto p = static_cast<const uint8_t *>(value);
        store_of(s)->store->set(key, std::vector<uint8_t>(p, p + nbytes));
    });
}

LCL_API lcl_status lcl_store_get(lcl_store *s, const char *key, void *value, int64_t capacity, int64_t *nbytes) {
    return guard([&] {
        if (capacity < 0) throw std::invalid_argument("store get: negative capacity " + std::to_string(capacity));
        auto v = store_of(s)->store->get(key);
        *nbytes = static_cast<int64_t>(v.size());
        std::memcpy(value, v.data(), static_cast<size_t>(std::min<int64_t>(capacity, *nbytes)));
    });
}

LCL_API lcl_status lcl_store_add(lcl_store *s, const char *key, int64_t delta, int64_t *out) {
    return guard([&] { *out = store_of(s)->store->add(key, delta); });
}

LCL_API lcl_status lcl_store_free(lcl_store *s) {
    return guard([&] { delete s; });
}

LCL_API lcl_status lcl_process_group_create(lcl_store *store, int32_t backend, int32_t rank, int32_t world_size,
                                            int64_t timeout_ms, lcl_process_group **out) {
    return guard([&] {
        auto st = store_of(store)->store;
        auto pg = std::make_unique<lcl_process_group>();
        pg->rank = rank;
        pg->size = world_size;
        auto timeout = std::chrono::milliseconds(timeout_ms);
        if (backend == 0) {
            auto o = c10d::ProcessGroupGloo::Options::create(timeout);
            o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            pg->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(st, rank, world_size, o);
        } else if (backend == 1) {
#ifdef LCL_WITH_NCCL
            auto o = c10d::ProcessGroupNCCL::Options::create();
            o->timeout = timeout;
            pg->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(st, rank, world_size, o);
#else
            throw std::runtime_error("the nccl backend needs lcl_torch built against a CUDA libtorch with NCCL");
#endif
        } else {
            throw std::invalid_argument("unknown process group backend " + std::to_string(backend) +
                                        " (0 = gloo, 1 = nccl)");
        }
        *out = pg.release();
    });
}

namespace {

void check_avg(const std::vector<at::Tensor> &ts, int32_t op) {
    if (op != 1) return;
    for (auto &t : ts) {
        if (!at::isFloatingType(t.scalar_type())) {
            throw std::invalid_argument("allreduce avg needs floating-point tensors, got " +
                                        std::string(c10::toString(t.scalar_type())));
        }
    }
}

// Starts one collective per tensor (c10d reads a tensor list as replicas of one tensor on
// several devices).
std::unique_ptr<lcl_work> start_allreduce(lcl_process_group *g, std::vector<at::Tensor> ts, int32_t op) {
    check_avg(ts, op);
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    auto w = std::make_unique<lcl_work>();
    w->size = g->size;
    g->with([&](auto &b) {
        for (auto &t : ts) {
            std::vector<at::Tensor> one{t};
            auto work = b.allreduce(one, o);
            w->waits.push_back([work] { work->wait(); });
        }
    });
    if (op == 1) w->divide = std::move(ts);
    return w;
}

}  // namespace

LCL_API lcl_status lcl_pg_allreduce(lcl_process_group *pg, lcl_tensor *const *tensors, int64_t count,
                                    int32_t op) {
    return guard([&] { start_allreduce(group_of(pg), refs(tensors, count), op)->wait(); });
}

LCL_API lcl_status lcl_pg_allreduce_async(lcl_process_group *pg, lcl_tensor *const *tensors, int64_t count,
                                          int32_t op, lcl_work **out) {
    return guard([&] { *out = start_allreduce(group_of(pg), refs(tensors, count), op).release(); });
}

LCL_API lcl_status lcl_work_wait(lcl_work *w) {
    return guard([&] {
        if (w == nullptr) throw std::invalid_argument("work handle is null");
        w->wait();
    });
}

LCL_API lcl_status lcl_work_free(lcl_work *w) {
    return guard([&] {
        std::unique_ptr<lcl_work> owned(w);
        if (owned) owned->wait();
    });
}

LCL_API lcl_status lcl_pg_allgather(lcl_process_group *pg, lcl_tensor *t, lcl_tensor **outs, int64_t capacity) {
    return guard([&] {
        auto g = group_of(pg);
        if (capacity < g->size) {
            throw std::invalid_argument("allgather needs room for " + std::to_string(g->size) + " tensors, got " +
                                        std::to_string(capacity));
        }
        auto x = ref(t);
        std::vector<at::Tensor> in{x.get()};
        std::vector<std::vector<at::Tensor>> result(1);
        for (int i = 0; i < g->size; ++i) result[0].push_back(at::empty_like(x.get()));
        g->with([&](auto &b) { b.allgather(result, in)->wait(); });
        for (int i = 0; i < g->size; ++i) outs[i] = give(std::move(result[0][static_cast<size_t>(i)]));
    });
}

LCL_API lcl_status lcl_pg_broadcast(lcl_process_group *pg, lcl_tensor *const *tensors, int64_t count,
                                    int32_t root) {
    return guard([&] {
        auto ts = refs(tensors, count);
        c10d::BroadcastOptions o;
        o.rootRank = root;
        group_of(pg)->with([&](auto &b) { wait_all(ts, [&](std::vector<at::Tensor> &one) { return b.broadcast(one, o); }); });
    });
}

LCL_API lcl_status lcl_pg_barrier(lcl_process_group *pg) {
    return guard([&] { group_of(pg)->with([&](auto &b) { b.barrier()->wait(); }); });
}

LCL_API lcl_status lcl_pg_rank(lcl_process_group *pg, int32_t *out) {
    return guard([&] { *out = group_of(pg)->rank; });
}

LCL_API lcl_status lcl_pg_size(lcl_process_group *pg, int32_t *out) {
    return guard([&] { *out = group_of(pg)->size; });
}

LCL_API lcl_status lcl_process_group_free(lcl_process_group *pg) {
    return guard([&] { delete pg; });
}
