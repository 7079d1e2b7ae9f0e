package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.torch.ffi.lcl_torch_h.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * c10d through the C API: a TCPStore and a Gloo process group of two ranks, each on its own thread
 * of this JVM, talking over 127.0.0.1. In package org.lcl.torch for Tensor.handle().
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DistributedTest {

    private static final String HOST = "127.0.0.1";
    private static final long TIMEOUT_MS = 20_000;

    static {
        NativeLibrary.ensureLoaded();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Fails with the op and the thread's last error when a C call does not succeed. */
    private static void ok(int status, String op) {
        if (status != 0) {
            throw new TorchException(op, ThreadState.lastError());
        }
    }

    /** One rank: its store, its process group, and an arena for call arguments. */
    private static final class Rank implements AutoCloseable {
        final int rank;
        final Arena arena = Arena.ofConfined();
        final MemorySegment store;
        final MemorySegment pg;

        Rank(int rank, int port, int worldSize) {
            this.rank = rank;
            MemorySegment out = arena.allocate(ADDRESS);
            ok(lcl_store_tcp_create(arena.allocateFrom(HOST), port, worldSize, rank == 0 ? 1 : 0, TIMEOUT_MS, out),
                    "store_tcp_create");
            store = out.get(ADDRESS, 0);
            ok(lcl_process_group_create(store, 0, rank, worldSize, TIMEOUT_MS, out), "process_group_create");
            pg = out.get(ADDRESS, 0);
        }

        MemorySegment handles(Tensor... ts) {
            MemorySegment a = arena.allocate(ADDRESS, ts.length);
            for (int i = 0; i < ts.length; i++) {
                a.setAtIndex(ADDRESS, i, ts[i].handle());
            }
            return a;
        }

        void allreduce(int op, Tensor... ts) {
            ok(lcl_pg_allreduce(pg, handles(ts), ts.length, op), "allreduce");
        }

        List<Tensor> allgather(Tensor t, int capacity) {
            MemorySegment outs = arena.allocate(ADDRESS, capacity);
            ok(lcl_pg_allgather(pg, t.handle(), outs, capacity), "allgather");
            List<Tensor> r = new ArrayList<>();
            for (int i = 0; i < size(); i++) {
                r.add(Tensor.adopt(outs.getAtIndex(ADDRESS, i).address(), ThreadState.current()));
            }
            return r;
        }

        void broadcast(int root, Tensor... ts) {
            ok(lcl_pg_broadcast(pg, handles(ts), ts.length, root), "broadcast");
        }

        void barrier() {
            ok(lcl_pg_barrier(pg), "barrier");
        }

        int rankOf() {
            MemorySegment o = arena.allocate(JAVA_INT);
            ok(lcl_pg_rank(pg, o), "rank");
            return o.get(JAVA_INT, 0);
        }

        int size() {
            MemorySegment o = arena.allocate(JAVA_INT);
            ok(lcl_pg_size(pg, o), "size");
            return o.get(JAVA_INT, 0);
        }

        void set(String key, String value) {
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            ok(lcl_store_set(store, arena.allocateFrom(key), arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, v),
                    v.length), "store_set");
        }

        String get(String key, int capacity) {
            MemorySegment buf = arena.allocate(Math.max(1, capacity));
            MemorySegment n = arena.allocate(JAVA_LONG);
            ok(lcl_store_get(store, arena.allocateFrom(key), buf, capacity, n), "store_get");
            long len = n.get(JAVA_LONG, 0);
            byte[] b = buf.asSlice(0, Math.min(len, capacity)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            return new String(b, StandardCharsets.UTF_8) + (len > capacity ? "|len=" + len : "");
        }

        long add(String key, long delta) {
            MemorySegment o = arena.allocate(JAVA_LONG);
            ok(lcl_store_add(store, arena.allocateFrom(key), delta, o), "store_add");
            return o.get(JAVA_LONG, 0);
        }

        void freeGroup() {
            ok(lcl_process_group_free(pg), "process_group_free");
        }

        void freeStore() {
            ok(lcl_store_free(store), "store_free");
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private interface RankBody {
        void run(Rank r, CyclicBarrier javaBarrier) throws Exception;
    }

    /** Runs body on two ranks in two threads, then frees group and stores (the master's store last). */
    private static void twoRanks(RankBody body) throws Exception {
        int port = freePort();
        CyclicBarrier javaBarrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Void>> fs = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                int me = rank;
                fs.add(pool.submit(() -> {
                    try (Rank r = new Rank(me, port, 2); Scope s = Scope.open()) {
                        body.run(r, javaBarrier);
                        r.barrier();
                        r.freeGroup();
                        javaBarrier.await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                        if (me == 1) {
                            r.freeStore();
                        }
                        javaBarrier.await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                        if (me == 0) {
                            r.freeStore();
                        }
                    }
                    assertNull(Scope.current());
                    return null;
                }));
            }
            for (Future<Void> f : fs) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception x) {
                        throw x;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] floats(Tensor t) {
        return t.toFloatArray();
    }

    @Test
    void rankSizeAndAllreduceSumAndAverage() throws Exception {
        twoRanks((r, jb) -> {
            assertEquals(r.rank, r.rankOf());
            assertEquals(2, r.size());
            float k = r.rank + 1; // rank 0 holds 1, 2, 3; rank 1 holds 2, 4, 6
            Tensor a = Torch.tensor(new float[] {k, 2 * k, 3 * k});
            r.allreduce(0, a);
            assertArrayEquals(new float[] {3, 6, 9}, floats(a));

            Tensor c = Torch.tensor(new float[] {k, 2 * k, 3 * k});
            r.allreduce(1, c);
            assertArrayEquals(new float[] {1.5f, 3, 4.5f}, floats(c));

            Tensor m = Torch.tensor(new float[] {r.rank == 0 ? 5 : 1, r.rank == 0 ? -1 : 7});
            r.allreduce(2, m);
            assertArrayEquals(new float[] {5, 7}, floats(m));
            Tensor n = Torch.tensor(new float[] {r.rank == 0 ? 5 : 1, r.rank == 0 ? -1 : 7});
            r.allreduce(3, n);
            assertArrayEquals(new float[] {1, -1}, floats(n));

            // gradients are the usual case: a non-contiguous or 2-D tensor works too
            Tensor g = Torch.full(k, 2, 3);
            r.allreduce(0, g);
            assertArrayEquals(new float[] {3, 3, 3, 3, 3, 3}, floats(g));
        });
    }

    @Test
    void allgatherIsInRankOrder() throws Exception {
        twoRanks((r, jb) -> {
            Tensor mine = Torch.tensor(new float[] {100 * r.rank, 100 * r.rank + 1}, 1, 2);
            List<Tensor> all = r.allgather(mine, 2);
            assertEquals(2, all.size());
            assertArrayEquals(new float[] {0, 1}, floats(all.get(0)));
            assertArrayEquals(new float[] {100, 101}, floats(all.get(1)));
            assertArrayEquals(new long[] {1, 2}, all.get(1).shape());
            // results are new tensors owned by the caller's scope
            assertEquals(Scope.current(), all.get(0).scope());
            // more room than needed is fine
            assertEquals(2, r.allgather(Torch.tensor(new long[] {r.rank}), 4).size());
        });
    }

    @Test
    void broadcastFromRankOne() throws Exception {
        twoRanks((r, jb) -> {
            Tensor t = r.rank == 1 ? Torch.tensor(new float[] {7, 8, 9}) : Torch.zeros(3);
            Tensor u = r.rank == 1 ? Torch.tensor(new long[] {42}) : Torch.tensor(new long[] {-1});
            r.broadcast(1, t);
            r.broadcast(1, u);
            assertArrayEquals(new float[] {7, 8, 9}, floats(t));
            assertArrayEquals(new long[] {42}, u.toLongArray());
        });
    }

    @Test
    void barrierWaitsForTheSlowRank() throws Exception {
        twoRanks((r, jb) -> {
            r.barrier(); // both ranks are up
            long t0 = System.nanoTime();
            if (r.rank == 1) {
                Thread.sleep(400);
            }
            r.barrier();
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            if (r.rank == 0) {
                assertTrue(waitedMs >= 300, "rank 0 left the barrier after " + waitedMs + " ms, before rank 1 arrived");
            }
        });
    }

    @Test
    void storeSetGetAndAdd() throws Exception {
        twoRanks((r, jb) -> {
            if (r.rank == 0) {
                r.set("greeting", "hello from rank 0");
            } else {
                // get waits for the key to appear
                assertEquals("hello from rank 0", r.get("greeting", 64));
                // a short buffer receives a prefix, and the full length is reported
                assertEquals("hello|len=17", r.get("greeting", 5));
            }
            long v = r.add("counter", r.rank == 0 ? 1 : 10);
            assertTrue(v == 1 || v == 10 || v == 11, "add returned " + v);
            r.barrier();
            assertEquals(11, r.add("counter", 0));
            r.set("rank" + r.rank, "r" + r.rank);
            assertEquals("r" + (1 - r.rank), r.get("rank" + (1 - r.rank), 8));
        });
    }

    @Test
    void argumentErrorsOnBothRanksFailWithoutHanging() throws Exception {
        twoRanks((r, jb) -> {
            Tensor t = Torch.ones(2);
            MemorySegment outs = r.arena.allocate(ADDRESS, 1);
            assertNotEquals(0, lcl_pg_allgather(r.pg, t.handle(), outs, 1));
            assertEquals("allgather needs room for 2 tensors, got 1", ThreadState.lastError());
            assertNotEquals(0, lcl_pg_allreduce(r.pg, r.handles(t), 1, 9));
            assertTrue(ThreadState.lastError().contains("unknown reduce op code 9"), ThreadState.lastError());
            // the group still works after the refused calls
            r.allreduce(0, t);
            assertArrayEquals(new float[] {2, 2}, floats(t));
        });
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            assertNotEquals(0, lcl_pg_rank(MemorySegment.NULL, out));
            assertEquals("process group handle is null", ThreadState.lastError());
            assertNotEquals(0, lcl_store_add(MemorySegment.NULL, a.allocateFrom("k"), 1, a.allocate(JAVA_LONG)));
            assertEquals("store handle is null", ThreadState.lastError());
            MemorySegment sOut = a.allocate(ADDRESS);
            assertNotEquals(0, lcl_store_tcp_create(a.allocateFrom(HOST), 0, 1, 1, 1000, sOut));
            assertTrue(ThreadState.lastError().contains("port out of range"), ThreadState.lastError());
        }
    }

    /** A store read of a key nobody sets fails after the store's timeout instead of hanging. */
    @Test
    void storeGetTimesOut() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            ok(lcl_store_tcp_create(a.allocateFrom(HOST), freePort(), 1, 1, 2_000, out), "store_tcp_create");
            MemorySegment store = out.get(ADDRESS, 0);
            long t0 = System.nanoTime();
            int st = lcl_store_get(store, a.allocateFrom("never-set"), a.allocate(8), 8, a.allocate(JAVA_LONG));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertNotEquals(0, st);
            String msg = ThreadState.lastError();
            System.out.println("[store_get timeout after " + ms + " ms] " + msg);
            assertTrue(msg.toLowerCase(Locale.ROOT).contains("timeout") || msg.toLowerCase(Locale.ROOT).contains("timed out"), msg);
            assertTrue(ms >= 1_500 && ms < 20_000, ms + " ms");
            ok(lcl_store_free(store), "store_free");
        }
    }

    @Test
    void ncclNeedsACudaBuildAndUnknownBackendsAreRefused() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            ok(lcl_store_tcp_create(a.allocateFrom(HOST), freePort(), 1, 1, 5_000, out), "store_tcp_create");
            MemorySegment store = out.get(ADDRESS, 0);
            try {
                if (!"yes".equals(NativeLibrary.buildInfo().getProperty("cuda"))) {
                    out.set(ADDRESS, 0, MemorySegment.NULL);
                    int st = lcl_process_group_create(store, 1, 0, 1, 5_000, out);
                    assertNotEquals(0, st, "nccl process group created in a build without CUDA");
                    String msg = ThreadState.lastError();
                    System.out.println("[process_group_create nccl] " + msg);
                    assertTrue(msg.contains("nccl") && msg.contains("CUDA"), msg);
                    assertEquals(MemorySegment.NULL, out.get(ADDRESS, 0));
                    TorchException e = new TorchException("process_group_create", msg);
                    assertTrue(e.getMessage().startsWith("process_group_create: the nccl backend needs"), e.getMessage());
                }
                int st = lcl_process_group_create(store, 7, 0, 1, 5_000, out);
                assertNotEquals(0, st);
                assertTrue(ThreadState.lastError().contains("unknown process group backend 7 (0 = gloo, 1 = nccl)"),
                        ThreadState.lastError());

                // a world of one works and reduces to itself
                ok(lcl_process_group_create(store, 0, 0, 1, 5_000, out), "process_group_create");
                MemorySegment pg = out.get(ADDRESS, 0);
                try (Scope s = Scope.open()) {
                    Tensor t = Torch.tensor(new float[] {4, 6});
                    MemorySegment hs = a.allocate(ADDRESS);
                    hs.set(ADDRESS, 0, t.handle());
                    ok(lcl_pg_allreduce(pg, hs, 1, 1), "allreduce");
                    assertArrayEquals(new float[] {4, 6}, t.toFloatArray());
                }
                ok(lcl_process_group_free(pg), "process_group_free");
            } finally {
                ok(lcl_store_free(store), "store_free");
            }
        }
    }

    @Test
    void averageOfIntegerTensorsFails() throws Exception {
        twoRanks((r, jb) -> {
            Tensor i = Torch.tensor(new long[] {r.rank + 1});
            assertNotEquals(0, lcl_pg_allreduce(r.pg, r.handles(i), 1, 1));
            assertTrue(ThreadState.lastError().contains("allreduce avg needs floating-point tensors, got Long"),
                    ThreadState.lastError());
            // sum of integers is fine
            Tensor j = Torch.tensor(new long[] {r.rank + 1});
            r.allreduce(0, j);
            assertArrayEquals(new long[] {3}, j.toLongArray());
        });
    }

    /**
     * c10d reads a tensor list as per-device replicas of one tensor; the C API issues one
     * collective per tensor so that each tensor is reduced (or broadcast) on its own.
     */
    @Test
    void multiTensorCollectivesActOnEachTensor() throws Exception {
        twoRanks((r, jb) -> {
            float k = r.rank + 1;
            Tensor a = Torch.tensor(new float[] {k});
            Tensor b = Torch.tensor(new float[] {10 * k});
            r.allreduce(0, a, b);
            assertArrayEquals(new float[] {3}, floats(a));
            assertArrayEquals(new float[] {30}, floats(b));
            Tensor c = Torch.tensor(new float[] {r.rank == 1 ? 5 : 0});
            Tensor d = Torch.tensor(new float[] {r.rank == 1 ? 6 : 0});
            r.broadcast(1, c, d);
            assertArrayEquals(new float[] {5}, floats(c));
            assertArrayEquals(new float[] {6}, floats(d));
            // different shapes in one call are the common case (a model's gradients)
            Tensor e = Torch.full(k, 3);
            Tensor f = Torch.full(k, 2, 2);
            r.allreduce(0, e, f);
            assertArrayEquals(new float[] {3, 3, 3}, floats(e));
        });
    }

    /** avg of integer tensors is refused before any collective runs, leaving them unchanged. */
    @Test
    void failedAverageLeavesTensorsUnchanged() throws Exception {
        twoRanks((r, jb) -> {
            Tensor i = Torch.tensor(new long[] {r.rank + 1});
            assertNotEquals(0, lcl_pg_allreduce(r.pg, r.handles(i), 1, 1));
            assertArrayEquals(new long[] {r.rank + 1}, i.toLongArray());
        });
    }
}
