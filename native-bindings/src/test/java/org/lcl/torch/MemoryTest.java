package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A long training-like loop, one Scope per step, must not leak native memory: the process RSS
 * after 200,000 steps stays within 64 MB of the RSS after a 5,000-step warm-up.
 */
class MemoryTest {

    private static final int WARMUP = 5_000;
    private static final int ITERATIONS = 200_000;
    private static final long MAX_GROWTH_KB = 64 * 1024;

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS) // ~35-45 s on an idle core; far more on a loaded machine
    void twoHundredThousandScopedStepsDoNotGrowRss() throws Exception {
        assertNull(Scope.current());
        // Workaround: this initialises libtorch's intra-op thread count on this thread. Without it,
        // oneDNN's gelu (libgomp) runs a team of all CPUs with a spin-waiting worker, which makes
        // each step several times slower on a busy machine (reported as a bug in the C API).
        assertTrue(Torch.getNumThreads() >= 1);
        Torch.manualSeed(7);
        Tensor x = Torch.randn(8, 16).keep();
        Tensor w = Torch.randn(16, 16).mul_(0.25).requiresGrad_().keep();
        Tensor b = Torch.zeros(16).requiresGrad_().keep();
        try {
            long tw = System.nanoTime();
            double first = step(x, w, b);
            for (int i = 1; i < WARMUP; i++) {
                assertEquals(first, step(x, w, b), "the step must be deterministic (grads are zeroed, weights fixed)");
            }
            System.out.printf("MemoryTest: warm-up of %d steps took %.1f s%n", WARMUP, (System.nanoTime() - tw) / 1e9);
            settle();
            long rssWarm = rssKb();
            long heapWarm = heapCommittedKb();
            long t0 = System.nanoTime();
            double loss = 0;
            long rssHalf = 0;
            StringBuilder samples = new StringBuilder();
            for (int i = 1; i <= ITERATIONS; i++) {
                loss = step(x, w, b);
                if (i % 25_000 == 0) {
                    long rss = rssKb();
                    samples.append(' ').append(rss / 1024);
                    if (i == ITERATIONS / 2) {
                        rssHalf = rss;
                    }
                }
            }
            long elapsedNs = System.nanoTime() - t0;
            settle();
            long rssEnd = rssKb();
            long heapEnd = heapCommittedKb();
            long growth = rssEnd - rssWarm;
            System.out.printf("MemoryTest: %d steps in %.1f s (%.1f us/step); RSS after warm-up %d MB, after %d steps %d MB,"
                            + " growth %+d KB (limit %d KB); Java heap committed %d MB -> %d MB%n",
                    ITERATIONS, elapsedNs / 1e9, elapsedNs / 1e3 / ITERATIONS, rssWarm / 1024, ITERATIONS, rssEnd / 1024,
                    growth, MAX_GROWTH_KB, heapWarm / 1024, heapEnd / 1024);
            System.out.println("MemoryTest: RSS every 25,000 steps (MB):" + samples);
            assertEquals(first, loss, "the last step must compute what the first did");
            // a steady leak shows in the second half too, after JIT and allocator warm-up are over
            long secondHalf = rssEnd - rssHalf;
            assertTrue(secondHalf < 16 * 1024, "RSS grew by " + secondHalf + " KB over the last " + ITERATIONS / 2 + " steps");
            assertTrue(growth < MAX_GROWTH_KB, "RSS grew by " + growth + " KB over " + ITERATIONS + " scoped steps");
            assertNull(Scope.current());
            assertEquals(0.0, w.grad().abs().sum().item(), "grads were zeroed after the last step");
        } finally {
            x.close();
            w.close();
            b.close();
        }
    }

    /** One scoped step: x @ w + b, gelu, sum, backward, read the loss, zero the grads. */
    private static double step(Tensor x, Tensor w, Tensor b) {
        try (Scope s = Scope.open()) {
            Tensor loss = x.matmul(w).add(b).gelu().sum();
            loss.backward();
            double l = loss.item();
            Tensor g = w.grad();
            assertNotNull(g);
            w.zeroGrad();
            b.zeroGrad();
            return l;
        }
    }

    private static void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }

    private static long heapCommittedKb() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getCommitted() / 1024;
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
