package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lcl.torch.ffi.lcl_torch_h;

/** Tensors and the thread-local state of libtorch (grad mode, last error) under several Java threads. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ThreadingTest {

    private static final int THREADS = 4;
    private static final int ITERATIONS = 300;

    /** Shared read-only weights: created outside any scope, closed after all tests. */
    private static Tensor w1;
    private static Tensor b1;
    private static Tensor w2;

    @BeforeAll
    static void weights() {
        assertNull(Scope.current());
        Random r = new Random(42);
        w1 = Torch.tensor(gaussian(r, 16 * 32, 0.25f), 16, 32);
        b1 = Torch.tensor(gaussian(r, 32, 0.1f), 32);
        w2 = Torch.tensor(gaussian(r, 32 * 8, 0.2f), 32, 8);
        assertNull(w1.scope());
    }

    @AfterAll
    static void closeWeights() {
        w1.close();
        b1.close();
        w2.close();
        assertTrue(w1.isClosed() && b1.isClosed() && w2.isClosed());
    }

    private static float[] gaussian(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    /** One step's observable results: the loss and the gradient with respect to the input. */
    private record Step(double loss, float[] inputGrad) {}

    /** An independent graph over the shared weights; the input depends only on (worker, iteration). */
    private static Step step(int worker, int iteration) {
        try (Scope scope = Scope.open()) {
            Tensor x = Torch.tensor(gaussian(new Random(1_000_003L * worker + iteration), 4 * 16, 1f), 4, 16)
                    .requiresGrad_();
            Tensor h = x.matmul(w1).add(b1).gelu();
            Tensor y = h.matmul(w2).tanh();
            Tensor loss = y.square().mean().add(h.mean().mul(0.1));
            loss.backward();
            Step s = new Step(loss.item(), x.grad().toFloatArray());
            assertTrue(scope.size() > 5);
            return s;
        }
    }

    @Test
    void independentGraphsOnSharedWeightsMatchASingleThread() throws Exception {
        float[] w1Before = w1.toFloatArray();
        Step[][] expected = new Step[THREADS][ITERATIONS];
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < ITERATIONS; i++) {
                expected[t][i] = step(t, i);
            }
        }
        // sanity: different workers really compute different things
        assertNotEquals(expected[0][0].loss(), expected[1][0].loss());

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<Step[]>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int worker = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    assertNull(Scope.current());
                    Step[] got = new Step[ITERATIONS];
                    for (int i = 0; i < ITERATIONS; i++) {
                        got[i] = step(worker, i);
                    }
                    assertNull(Scope.current());
                    return got;
                }));
            }
            for (int t = 0; t < THREADS; t++) {
                Step[] got = futures.get(t).get(100, TimeUnit.SECONDS);
                for (int i = 0; i < ITERATIONS; i++) {
                    assertEquals(expected[t][i].loss(), got[i].loss(), "loss of worker " + t + " step " + i);
                    assertArrayEquals(expected[t][i].inputGrad(), got[i].inputGrad(), "input grad of worker " + t + " step " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // the shared weights were only read
        assertArrayEquals(w1Before, w1.toFloatArray());
        assertNull(w1.grad());
        assertFalse(w1.isClosed());
    }

    @Test
    void gradModeIsThreadLocal() throws Exception {
        CountDownLatch disabled = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Boolean> a = pool.submit(() -> {
                try (GradMode g = GradMode.noGrad()) {
                    disabled.countDown();
                    assertTrue(checked.await(30, TimeUnit.SECONDS));
                    try (Scope s = Scope.open()) {
                        Tensor p = Torch.ones(2).requiresGrad_();
                        assertFalse(p.mul(2.0).requiresGrad(), "no_grad thread recorded a graph");
                    }
                    return GradMode.isEnabled();
                }
            });
            Future<Boolean> b = pool.submit(() -> {
                assertTrue(disabled.await(30, TimeUnit.SECONDS));
                try {
                    try (Scope s = Scope.open()) {
                        Tensor p = Torch.ones(2).requiresGrad_();
                        assertTrue(p.mul(2.0).requiresGrad(), "no_grad of another thread leaked into this one");
                    }
                    return GradMode.isEnabled();
                } finally {
                    checked.countDown();
                }
            });
            assertTrue(b.get(30, TimeUnit.SECONDS), "grad mode of thread B must still be enabled");
            assertFalse(a.get(30, TimeUnit.SECONDS), "grad mode of thread A must be disabled inside its guard");
        } finally {
            pool.shutdownNow();
        }
        assertTrue(GradMode.isEnabled(), "the test thread's grad mode changed");
    }

    /**
     * The last error is per thread: A fails, then B fails with another message, then each reads
     * its own message (a deterministic interleaving through barriers), while C keeps succeeding.
     */
    @Test
    void errorMessagesArePerThread() throws Exception {
        int rounds = 20;
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Callable<Void> a = () -> {
                try (Arena arena = Arena.ofConfined(); Scope s = Scope.open()) {
                    Tensor m = Torch.ones(2, 3);
                    MemorySegment out = arena.allocate(ADDRESS);
                    for (int r = 0; r < rounds; r++) {
                        assertNotEquals(0, lcl_torch_h.lcl_matmul(m.handle(), m.handle(), out));
                        barrier.await(10, TimeUnit.SECONDS); // B fails now
                        barrier.await(10, TimeUnit.SECONDS);
                        String msg = ThreadState.lastError();
                        assertTrue(msg.contains("mat1 and mat2 shapes cannot be multiplied"), "thread A saw: " + msg);
                        // through the Java layer as well
                        TorchException e = org.junit.jupiter.api.Assertions.assertThrows(TorchException.class, () -> m.matmul(m));
                        assertTrue(e.getMessage().startsWith("matmul: mat1 and mat2"), e.getMessage());
                    }
                }
                return null;
            };
            Callable<Void> b = () -> {
                try (Arena arena = Arena.ofConfined(); Scope s = Scope.open()) {
                    Tensor m = Torch.ones(2, 3);
                    MemorySegment out = arena.allocate(ADDRESS);
                    MemorySegment shape = arena.allocateFrom(JAVA_LONG, 5);
                    for (int r = 0; r < rounds; r++) {
                        barrier.await(10, TimeUnit.SECONDS); // A has failed
                        assertNotEquals(0, lcl_torch_h.lcl_reshape(m.handle(), shape, 1, out));
                        barrier.await(10, TimeUnit.SECONDS);
                        String msg = ThreadState.lastError();
                        assertTrue(msg.contains("shape '[5]' is invalid for input of size 6"), "thread B saw: " + msg);
                        TorchException e = org.junit.jupiter.api.Assertions.assertThrows(TorchException.class, () -> m.reshape(5));
                        assertTrue(e.getMessage().startsWith("reshape: shape '[5]'"), e.getMessage());
                    }
                }
                return null;
            };
            Callable<Double> c = () -> {
                double total = 0;
                for (int r = 0; r < 200; r++) {
                    try (Scope s = Scope.open()) {
                        Tensor m = Torch.ones(2, 3);
                        total += m.matmul(m.t()).sum().item();
                    }
                }
                return total;
            };
            Future<Void> fa = pool.submit(a);
            Future<Void> fb = pool.submit(b);
            Future<Double> fc = pool.submit(c);
            fa.get(60, TimeUnit.SECONDS);
            fb.get(60, TimeUnit.SECONDS);
            assertEquals(200 * 12.0, fc.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The reference count of a tensor handle, read from c10::intrusive_ptr_target (a vtable pointer,
     * then the atomic refcount): a test-only peek that lets a double free be seen rather than hoped absent.
     */
    private static long refcount(Tensor t) {
        return t.handle().reinterpret(24).get(JAVA_LONG, 8);
    }

    @Test
    void closingASharedTensorConcurrentlyFreesItExactlyOnce() throws Exception {
        Tensor base = Torch.arange(1000).keep();
        long expectedSum = 999L * 1000 / 2;
        boolean canPeek = refcount(base) == 1;
        if (canPeek) {
            Tensor probe = base.share();
            canPeek = refcount(base) == 2;
            probe.close();
            canPeek &= refcount(base) == 1;
        }
        int n = 5000;
        Tensor[] shares = new Tensor[n];
        for (int i = 0; i < n; i++) {
            shares[i] = base.share();
        }
        if (canPeek) {
            assertEquals(n + 1, refcount(base));
        }
        CyclicBarrier barrier = new CyclicBarrier(2);
        Callable<Void> closer = () -> {
            for (Tensor s : shares) {
                barrier.await(10, TimeUnit.SECONDS);
                s.close();
                assertTrue(s.isClosed());
            }
            return null;
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Void> f1 = pool.submit(closer);
            Future<Void> f2 = pool.submit(closer);
            f1.get(60, TimeUnit.SECONDS);
            f2.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        if (canPeek) {
            assertEquals(1, refcount(base), "each shared handle must be released exactly once");
        }
        assertEquals(expectedSum, base.sum().itemLong());
        base.close();
        if (!canPeek) {
            System.out.println("ThreadingTest: refcount peek unavailable; checked values only");
        }
    }

    /** close() on another thread racing with the owning scope's close must free the handle once. */

    @Test
    void concurrentCloseOfScopeOwnedTensorAndScopeCloseFreesOnce() throws Exception {
        Tensor base = Torch.arange(10).keep();
        assumeTrue(refcount(base) == 1, "refcount peek unavailable on this libtorch");
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 500; round++) {
                Scope scope = Scope.open();
                Tensor s = base.share();
                assertEquals(scope, s.scope());
                CountDownLatch go = new CountDownLatch(1);
                Future<?> f = other.submit(() -> {
                    go.await();
                    s.close();
                    return null;
                });
                go.countDown();
                scope.close();
                f.get(10, TimeUnit.SECONDS);
                assertTrue(s.isClosed());
                assertEquals(1, refcount(base), "round " + round);
            }
        } finally {
            other.shutdownNow();
        }
        base.close();
    }
}
