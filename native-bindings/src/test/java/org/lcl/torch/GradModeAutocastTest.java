package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** torch.no_grad / enable_grad, the optimiser's update pattern, .grad semantics, and CPU autocast. */
class GradModeAutocastTest {

    private Scope scope;

    @BeforeEach
    void open() {
        assertTrue(GradMode.isEnabled());
        assertFalse(Autocast.isEnabled(Device.Type.CPU));
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
        assertNull(Scope.current());
        assertTrue(GradMode.isEnabled(), "a test left grad mode disabled");
        assertFalse(Autocast.isEnabled(Device.Type.CPU), "a test left autocast enabled");
    }

    // ---- grad mode ------------------------------------------------------------------------

    @Test
    void noGradAndEnableGradNestAndRestore() {
        try (GradMode outer = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            try (GradMode inner = GradMode.enableGrad()) {
                assertTrue(GradMode.isEnabled());
                try (GradMode innermost = GradMode.noGrad()) {
                    assertFalse(GradMode.isEnabled());
                }
                assertTrue(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled());
            // a second close of a guard does not restore twice
            GradMode g = GradMode.enableGrad();
            g.close();
            assertFalse(GradMode.isEnabled());
            try (GradMode again = GradMode.enableGrad()) {
                g.close();
                assertTrue(GradMode.isEnabled(), "closing an already closed guard changed the mode");
            }
        }
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void resultsUnderNoGradDoNotRequireGrad() {
        Tensor w = Torch.randn(3, 3).requiresGrad_();
        Tensor x = Torch.randn(2, 3);
        Tensor inside;
        try (GradMode g = GradMode.noGrad()) {
            inside = x.matmul(w).relu().sum();
            assertFalse(inside.requiresGrad());
            assertTrue(inside.isLeaf());
            assertTrue(w.requiresGrad(), "no_grad must not change the parameter's flag");
            TorchException e = assertThrows(TorchException.class, inside::backward);
            assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        }
        Tensor outside = x.matmul(w).relu().sum();
        assertTrue(outside.requiresGrad());
        assertFalse(outside.isLeaf());
        assertEquals(outside.item(), inside.item(), 1e-6);
        try (GradMode g = GradMode.noGrad(); GradMode e = GradMode.enableGrad()) {
            assertTrue(x.matmul(w).requiresGrad(), "enable_grad inside no_grad records again");
        }
    }

    /** The optimiser pattern: {@code with torch.no_grad(): p.add_(p.grad, alpha=-lr)}, then zero the grads. */
    @Test
    void inPlaceUpdatesOfLeafParametersUnderNoGrad() {
        // fit y = 3x with one weight by SGD on the squared error
        Tensor p = Torch.zeros(1).requiresGrad_();
        Tensor x = Torch.tensor(new float[] {1, 2, 3, 4});
        Tensor y = x.mul(3.0);
        double lr = 0.02;
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int step = 0; step < 60; step++) {
            try (Scope s = Scope.open()) {
                Tensor loss = x.mul(p).sub(y).square().mean();
                loss.backward();
                double l = loss.item();
                if (step == 0) {
                    firstLoss = l;
                }
                lastLoss = l;
                Tensor g = p.grad();
                assertNotNull(g);
                try (GradMode ng = GradMode.noGrad()) {
                    p.add_(g, -lr);
                }
                p.zeroGrad();
                assertEquals(0.0, p.grad().abs().sum().item());
            }
            assertTrue(p.isLeaf(), "the update must keep p a leaf");
            assertTrue(p.requiresGrad(), "the update must keep p requiring grad");
        }
        assertEquals(3.0, p.item(), 1e-3);
        assertTrue(lastLoss < firstLoss * 1e-4, firstLoss + " -> " + lastLoss);

        // the same update with grad enabled is refused, as in PyTorch
        p.backward(null); // p is a scalar-shaped leaf: grad 1
        Tensor g = p.grad();
        TorchException e = assertThrows(TorchException.class, () -> p.add_(g, -lr));
        assertTrue(e.getMessage().contains("leaf Variable that requires grad"), e.getMessage());
    }

    @Test
    void gradZeroGradAndSetGradFollowPyTorch() {
        Tensor p = Torch.tensor(new float[] {1, 2, 3}).requiresGrad_();
        // p.grad is None before any backward
        assertNull(p.grad());
        // zero_grad without a grad leaves it None
        p.zeroGrad();
        assertNull(p.grad());

        // d/dp sum(p^2) = 2p
        p.square().sum().backward();
        assertArrayEquals(new float[] {2, 4, 6}, p.grad().toFloatArray());
        // gradients accumulate across backward calls
        p.square().sum().backward();
        assertArrayEquals(new float[] {4, 8, 12}, p.grad().toFloatArray());
        // the gradient does not require grad itself
        assertFalse(p.grad().requiresGrad());

        // grad() shares storage with p.grad: in-place changes are visible
        Tensor g = p.grad();
        try (GradMode ng = GradMode.noGrad()) {
            g.mul_(0.5);
        }
        assertArrayEquals(new float[] {2, 4, 6}, p.grad().toFloatArray());

        // zero_grad zeroes in place: the earlier handle sees zeros, and grad stays defined
        p.zeroGrad();
        assertArrayEquals(new float[] {0, 0, 0}, g.toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0}, p.grad().toFloatArray());

        // p.grad = None, then a backward starts from scratch (no accumulation into the old tensor)
        p.setGrad(null);
        assertNull(p.grad());
        p.sum().backward();
        assertArrayEquals(new float[] {1, 1, 1}, p.grad().toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0}, g.toFloatArray(), "a cleared grad must not be written again");

        // p.grad = tensor assigns; the next backward accumulates into it
        p.setGrad(Torch.full(10.0, 3));
        p.sum().backward();
        assertArrayEquals(new float[] {11, 11, 11}, p.grad().toFloatArray());

        // non-leaf tensors have no grad unless retain_grad() is called
        Tensor q = Torch.tensor(new float[] {1, 2}).requiresGrad_();
        Tensor mid = q.mul(3.0);
        Tensor midRetained = q.mul(5.0).retainGrad();
        mid.add(midRetained).sum().backward();
        assertNull(mid.grad());
        assertArrayEquals(new float[] {1, 1}, midRetained.grad().toFloatArray());
        assertArrayEquals(new float[] {8, 8}, q.grad().toFloatArray());
        // a tensor that does not require grad never gets one
        Tensor c = Torch.ones(2);
        q.mul(c).sum().backward();
        assertNull(c.grad());
    }

    @Test
    void detachAndRequiresGradFlags() {
        Tensor p = Torch.ones(2).requiresGrad_();
        Tensor d = p.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        // detach shares storage, like PyTorch
        try (GradMode ng = GradMode.noGrad()) {
            d.add_(1.0);
        }
        assertArrayEquals(new float[] {2, 2}, p.toFloatArray());
        p.requiresGrad_(false);
        assertFalse(p.requiresGrad());
        Tensor nonLeaf = Torch.ones(2).requiresGrad_().mul(2.0);
        TorchException e = assertThrows(TorchException.class, () -> nonLeaf.requiresGrad_(false));
        assertTrue(e.getMessage().contains("requires_grad_"), e.getMessage());
    }

    // ---- autocast -------------------------------------------------------------------------

    @Test
    void cpuAutocastToBfloat16CastsLinearAndMatmulAndRestores() {
        DType defaultDtype = Autocast.dtype(Device.Type.CPU);
        Tensor x = Torch.randn(4, 8);
        Tensor w = Torch.randn(3, 8).requiresGrad_();
        Tensor b = Torch.randn(3).requiresGrad_();
        Tensor lin;
        try (Autocast ac = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
            assertTrue(Autocast.isEnabled(Device.Type.CPU));
            assertEquals(DType.BFLOAT16, Autocast.dtype(Device.Type.CPU));
            lin = Functional.linear(x, w, b);
            assertEquals(DType.BFLOAT16, lin.dtype());
            assertEquals(DType.BFLOAT16, x.matmul(w.t()).dtype());
            // ops outside the lower-precision list keep float32
            assertEquals(DType.FLOAT32, x.add(1.0).dtype());
            // gradients flow back to float32 parameters
            lin.to(DType.FLOAT32).square().sum().backward();
        }
        assertFalse(Autocast.isEnabled(Device.Type.CPU));
        assertEquals(defaultDtype, Autocast.dtype(Device.Type.CPU));
        assertEquals(DType.FLOAT32, w.grad().dtype());
        assertArrayEquals(new long[] {3, 8}, w.grad().shape());
        assertEquals(DType.FLOAT32, Functional.linear(x, w, b).dtype());
        assertEquals(DType.FLOAT32, x.matmul(w.t()).dtype());
        // the bf16 result approximates the fp32 one
        assertTrue(lin.to(DType.FLOAT32).allclose(Functional.linear(x, w, b), 5e-2, 5e-2));
    }

    /**
     * Closing restores the dtype found at opening. CPU autocast on libtorch 1.13 accepts bfloat16
     * only, so the dtype round trip is checked on the CUDA autocast state (thread-local settings that
     * need no GPU: CUDA's default is float16), and a refused CPU float16 must change nothing.
     */
    @Test
    void autocastRestoresAnEarlierDtype() {
        Device.Type cuda = Device.Type.CUDA;
        DType before = Autocast.dtype(cuda);
        DType other = before == DType.BFLOAT16 ? DType.FLOAT16 : DType.BFLOAT16;
        assertFalse(Autocast.isEnabled(cuda));
        try (Autocast ac = Autocast.enable(cuda, other)) {
            assertEquals(other, Autocast.dtype(cuda));
            assertTrue(Autocast.isEnabled(cuda));
            assertFalse(Autocast.isEnabled(Device.Type.CPU), "CUDA autocast must not switch on CPU autocast");
            try (Autocast inner = Autocast.enable(cuda, before)) {
                assertEquals(before, Autocast.dtype(cuda));
            }
            assertEquals(other, Autocast.dtype(cuda), "the inner region must restore the outer dtype");
            assertTrue(Autocast.isEnabled(cuda));
            // CPU tensors are not affected by CUDA autocast
            Tensor a = Torch.randn(2, 2);
            assertEquals(DType.FLOAT32, a.matmul(a).dtype());
        }
        assertEquals(before, Autocast.dtype(cuda));
        assertFalse(Autocast.isEnabled(cuda));

        DType cpuBefore = Autocast.dtype(Device.Type.CPU);
        try (Autocast ac = Autocast.enable(Device.Type.CPU, DType.FLOAT16)) {
            assertEquals(DType.FLOAT16, Autocast.dtype(Device.Type.CPU)); // libtorch >= 2.x
        } catch (TorchException e) {
            assertTrue(e.getMessage().contains("Bfloat16"), e.getMessage());
            assertFalse(Autocast.isEnabled(Device.Type.CPU), "a refused enable must not leave autocast on");
        }
        assertEquals(cpuBefore, Autocast.dtype(Device.Type.CPU));
    }

    @Test
    void disableInsideEnable() {
        Tensor a = Torch.randn(4, 4);
        try (Autocast ac = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
            assertEquals(DType.BFLOAT16, a.matmul(a).dtype());
            try (Autocast off = Autocast.disable(Device.Type.CPU)) {
                assertFalse(Autocast.isEnabled(Device.Type.CPU));
                assertEquals(DType.FLOAT32, a.matmul(a).dtype());
                // disable keeps the dtype setting for when autocast comes back
                assertEquals(DType.BFLOAT16, Autocast.dtype(Device.Type.CPU));
            }
            assertTrue(Autocast.isEnabled(Device.Type.CPU));
            assertEquals(DType.BFLOAT16, a.matmul(a).dtype());
            // a second close is harmless
            Autocast extra = Autocast.disable(Device.Type.CPU);
            extra.close();
            extra.close();
            assertTrue(Autocast.isEnabled(Device.Type.CPU));
        }
        assertFalse(Autocast.isEnabled(Device.Type.CPU));
        assertEquals(DType.FLOAT32, a.matmul(a).dtype());
    }

    @Test
    void autocastAndGradModeAreThreadLocal() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Autocast ac = Autocast.enable(Device.Type.CPU, DType.BFLOAT16); GradMode ng = GradMode.noGrad()) {
            boolean[] seen = other.submit(() -> {
                try (Scope s = Scope.open()) {
                    Tensor a = Torch.randn(2, 2);
                    return new boolean[] {Autocast.isEnabled(Device.Type.CPU), GradMode.isEnabled(),
                            a.matmul(a).dtype() == DType.FLOAT32};
                }
            }).get(30, TimeUnit.SECONDS);
            assertFalse(seen[0], "autocast leaked into another thread");
            assertTrue(seen[1], "no_grad leaked into another thread");
            assertTrue(seen[2]);
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void guardsRefuseVirtualThreads() throws Exception {
        Thread t = Thread.ofVirtual().unstarted(() -> {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, GradMode::noGrad);
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("virtual thread"), e.getMessage());
        });
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        t.setUncaughtExceptionHandler((th, ex) -> failure.set(ex));
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }
}
