package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The safe c10d wrappers: two Gloo ranks on two threads of this JVM over 127.0.0.1. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProcessGroupTest {

    private interface Body {
        void run(TcpStore store, ProcessGroup pg) throws Exception;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void twoRanks(Duration timeout, Body body) throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Void>> fs = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                int me = rank;
                fs.add(pool.submit(() -> {
                    try (TcpStore store = TcpStore.create("127.0.0.1", port, 2, me == 0, Duration.ofSeconds(20));
                         ProcessGroup pg = ProcessGroup.create(store, ProcessGroup.Backend.GLOO, me, 2, timeout);
                         Scope s = Scope.open()) {
                        body.run(store, pg);
                        // the master's store outlives the other's
                        store.add("done", 1);
                        if (me == 0) {
                            while (store.add("done", 0) < 2) {
                                Thread.sleep(10);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : fs) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void asyncAllReduceHoldsTheResultAfterAwait() throws Exception {
        twoRanks(Duration.ofSeconds(20), (store, pg) -> {
            int r = pg.rank();
            Tensor a = Torch.tensor(new float[] {r + 1, 10 * (r + 1)});
            Tensor b = Torch.full(r + 1.0, 3);
            Tensor c = Torch.tensor(new float[] {2 * r, 4});
            // two works in flight at once, awaited in the reverse order of their start
            try (Work first = pg.allReduceAsync(ProcessGroup.ReduceOp.SUM, List.of(a, b));
                 Work second = pg.allReduceAsync(ProcessGroup.ReduceOp.AVG, List.of(c))) {
                second.await();
                first.await();
                first.await(); // a second wait returns at once and does not divide again
                second.await();
            }
            assertArrayEquals(new float[] {3, 30}, a.toFloatArray());
            assertArrayEquals(new float[] {3, 3, 3}, b.toFloatArray());
            assertArrayEquals(new float[] {1, 4}, c.toFloatArray());
            // closing without awaiting still completes the collective
            Tensor d = Torch.tensor(new float[] {r});
            pg.allReduceAsync(ProcessGroup.ReduceOp.MAX, List.of(d)).close();
            assertArrayEquals(new float[] {1}, d.toFloatArray());
            Work closed = pg.allReduceAsync(ProcessGroup.ReduceOp.SUM, List.of(d));
            closed.close();
            assertThrows(IllegalStateException.class, closed::await);
            assertThrows(TorchException.class,
                    () -> pg.allReduceAsync(ProcessGroup.ReduceOp.AVG, List.of(Torch.tensor(new long[] {1}, 1))).close());
        });
    }

    @Test
    void collectivesAndStore() throws Exception {
        twoRanks(Duration.ofSeconds(20), (store, pg) -> {
            int r = pg.rank();
            assertEquals(2, pg.size());
            Tensor a = Torch.tensor(new float[] {r + 1, 10 * (r + 1)});
            Tensor b = Torch.full(r + 1.0, 2, 2);
            pg.allReduce(ProcessGroup.ReduceOp.SUM, a, b);
            assertArrayEquals(new float[] {3, 30}, a.toFloatArray());
            assertArrayEquals(new float[] {3, 3, 3, 3}, b.toFloatArray());
            List<Tensor> all = pg.allGather(Torch.tensor(new long[] {7 * r}));
            assertEquals(List.of(0L, 7L), all.stream().map(Tensor::itemLong).toList());
            Tensor c = r == 0 ? Torch.tensor(new float[] {5, 6}) : Torch.zeros(2);
            pg.broadcast(0, List.of(c));
            assertArrayEquals(new float[] {5, 6}, c.toFloatArray());
            if (r == 0) {
                store.set("long", "x".repeat(1000));
            } else {
                assertEquals("x".repeat(1000), store.getString("long"));
            }
            pg.barrier();
        });
    }

    /** A rank whose peer never joins the collective gets an exception naming it, within the group's timeout. */
    @Test
    void aMissingPeerTimesOutInsteadOfHanging() throws Exception {
        twoRanks(Duration.ofSeconds(2), (store, pg) -> {
            if (pg.rank() == 0) {
                long t0 = System.nanoTime();
                TorchException e = assertThrows(TorchException.class, () -> pg.allReduce(ProcessGroup.ReduceOp.SUM, Torch.ones(3)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("[all_reduce without a peer, " + ms + " ms] " + e.getMessage());
                assertTrue(e.getMessage().startsWith("all_reduce sum: "), e.getMessage());
                assertTrue(ms >= 1_000 && ms < 30_000, ms + " ms");
                store.set("rank0-failed", "yes");
            } else {
                store.get("rank0-failed");
            }
        });
    }

    @Test
    void badArgumentsAreRefusedWithTheirContext() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroup.create(null, ProcessGroup.Backend.GLOO, 2, 2, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("rank 2 is outside a world of 2"), e.getMessage());
        TorchException t = assertThrows(TorchException.class, () -> TcpStore.create("127.0.0.1", 0, 1, true, Duration.ofSeconds(1)));
        assertTrue(t.getMessage().startsWith("TCPStore(127.0.0.1:0, master): "), t.getMessage());
        assertEquals(ProcessGroup.Backend.NCCL, ProcessGroup.Backend.forDevice(Device.parse("cuda:1")));
        assertEquals(ProcessGroup.Backend.GLOO, ProcessGroup.Backend.forDevice(Device.CPU));
    }
}
