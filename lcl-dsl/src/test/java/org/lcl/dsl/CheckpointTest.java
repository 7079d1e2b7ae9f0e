package org.lcl.dsl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lcl.dsl.layers.DropoutSpec;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** Gradient checkpointing gives the gradients of the plain computation, dropout included. */
class CheckpointTest {

    private static Spec net() {
        return Dsl.sequence("net",
                Dsl.linear("in", 8, 16),
                Dsl.repeat("blocks", 3, i -> Dsl.sequence("", Dsl.preLnBlock(16, 4, 2.0), new DropoutSpec("drop", 0.3))));
    }

    private static List<Tensor> gradients(Module m, Tensor x, long seed) {
        Torch.manualSeed(seed);
        Tensor loss = m.forward(x).square().mean();
        loss.backward();
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : m.parameters()) {
            grads.add(p.grad().clone());
            p.setGrad(null);
        }
        return grads;
    }

    @Test
    void checkpointedBlocksGiveTheSameGradients() {
        try (Module plain = net().compile(Device.CPU, DType.FLOAT64);
             Module ckpt = net().compile(Device.CPU, DType.FLOAT64);
             Scope s = Scope.open()) {
            ckpt.loadStateDict(plain.stateDict(), true);
            ckpt.setGradCheckpointing(true);
            Tensor x = Torch.randn(2, 5, 8).to(DType.FLOAT64);
            List<Tensor> a = gradients(plain, x, 11);
            List<Tensor> b = gradients(ckpt, x, 11);
            for (int i = 0; i < a.size(); i++) {
                assertTrue(a.get(i).allclose(b.get(i), 1e-10, 1e-12), "gradient " + i + " differs");
            }
            List<Tensor> other = gradients(plain, x, 12);
            assertTrue(!a.get(0).allclose(other.get(0), 1e-10, 1e-12), "dropout masks depend on the seed");
        }
    }

    @Test
    void failureInsideARecomputedBlockBecomesAnException() {
        try (Scope s = Scope.open()) {
            int[] calls = {0};
            org.lcl.torch.Checkpoint c = new org.lcl.torch.Checkpoint(t -> {
                if (calls[0]++ > 0) {
                    throw new IllegalStateException("boom in recompute");
                }
                return t.mul(2.0);
            });
            Tensor x = Torch.ones(3).requiresGrad_();
            Tensor y = c.apply(x).sum();
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, y::backward);
            assertTrue(e.getMessage().contains("boom in recompute"), e.getMessage());
        }
    }
}
