package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Post-accumulation gradient hooks on leaves (what overlapped data-parallel averaging builds on). */
class GradHookTest {

    @Test
    void firesOncePerBackwardAfterTheGradientIsAccumulatedUntilRemoved() {
        try (Scope s = Scope.open()) {
            Tensor w = Torch.tensor(new float[] {1, 2}).requiresGrad_();
            Tensor unused = Torch.tensor(new float[] {5}).requiresGrad_();
            List<float[]> seen = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            int[] unusedCalls = {0};
            try (GradHook h = w.registerGradAccumulatedHook(() -> {
                    seen.add(w.grad().toFloatArray());
                    threads.add(Thread.currentThread());
                });
                 GradHook u = unused.registerGradAccumulatedHook(() -> unusedCalls[0]++)) {
                // w is used twice in the graph: one accumulation of the summed gradient, one call
                w.mul(3.0).add(w.mul(w)).sum().backward();
                assertEquals(1, seen.size());
                assertArrayEquals(new float[] {5, 7}, seen.get(0)); // 3 + 2w, already in .grad
                w.mul(3.0).sum().backward();
                assertEquals(2, seen.size());
                assertArrayEquals(new float[] {8, 10}, seen.get(1)); // accumulated onto the first
                assertEquals(0, unusedCalls[0]);
            }
            assertTrue(threads.stream().allMatch(t -> t == Thread.currentThread()),
                    "on CPU the hook runs on the thread calling backward");
            w.mul(3.0).sum().backward();
            assertEquals(2, seen.size(), "a removed hook does not fire");
            assertArrayEquals(new float[] {11, 13}, w.grad().toFloatArray());
        }
    }

    @Test
    void anExceptionInTheHookFailsThatBackwardAndNothingElse() {
        try (Scope s = Scope.open()) {
            Tensor w = Torch.tensor(new float[] {1}).requiresGrad_();
            try (GradHook h = w.registerGradAccumulatedHook(() -> {
                throw new IllegalStateException("bucket 3 is broken");
            })) {
                TorchException e = assertThrows(TorchException.class, () -> w.mul(2.0).sum().backward());
                assertTrue(e.getMessage().contains("bucket 3 is broken"), e.getMessage());
            }
            w.setGrad(null);
            w.mul(2.0).sum().backward();
            assertArrayEquals(new float[] {2}, w.grad().toFloatArray());
        }
    }

    @Test
    void onlyLeavesThatRequireGradTakeAHook() {
        try (Scope s = Scope.open()) {
            Tensor plain = Torch.tensor(new float[] {1});
            TorchException e = assertThrows(TorchException.class, () -> plain.registerGradAccumulatedHook(() -> { }));
            assertTrue(e.getMessage().contains("leaf that requires grad"), e.getMessage());
            Tensor nonLeaf = Torch.tensor(new float[] {1}).requiresGrad_().mul(2.0);
            assertThrows(TorchException.class, () -> nonLeaf.registerGradAccumulatedHook(() -> { }));
            assertNull(plain.grad());
        }
    }
}
