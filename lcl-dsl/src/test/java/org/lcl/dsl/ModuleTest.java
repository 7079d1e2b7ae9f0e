package org.lcl.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lcl.dsl.layers.TokenPoolSpec;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** State-dict names and order, loading, modes and placement of compiled modules. */
class ModuleTest {

    /** A small OpenCLIP-style ViT: image 32, patch 8, width 64, 2 layers, 4 heads, proj to 16. */
    static Spec smallVit() {
        return Dsl.sequence("visual",
                Dsl.patchEmbed("conv1", 3, 64, 8, 32),
                Dsl.classToken("class_embedding", 64),
                Dsl.learnedPositions("positional_embedding", 17, 64),
                Dsl.layerNorm("ln_pre", 64),
                Dsl.repeat("transformer.resblocks", 2, i -> Dsl.preLnBlock(64, 4, 4.0)),
                Dsl.layerNorm("ln_post", 64),
                Dsl.pool(TokenPoolSpec.Kind.FIRST),
                Dsl.projection("proj", 64, 16));
    }

    @Test
    void stateDictFollowsPyTorchNamesAndOrder() {
        try (Module m = smallVit().compile(Device.CPU, DType.FLOAT32)) {
            List<String> keys = List.copyOf(m.stateDict().keySet());
            // Own parameters of `visual` first (class_embedding, positional_embedding, proj), then children.
            assertEquals(List.of("class_embedding", "positional_embedding", "proj", "conv1.weight", "ln_pre.weight", "ln_pre.bias",
                    "transformer.resblocks.0.ln_1.weight", "transformer.resblocks.0.ln_1.bias",
                    "transformer.resblocks.0.attn.in_proj_weight", "transformer.resblocks.0.attn.in_proj_bias",
                    "transformer.resblocks.0.attn.out_proj.weight", "transformer.resblocks.0.attn.out_proj.bias",
                    "transformer.resblocks.0.ln_2.weight", "transformer.resblocks.0.ln_2.bias",
                    "transformer.resblocks.0.mlp.c_fc.weight", "transformer.resblocks.0.mlp.c_fc.bias",
                    "transformer.resblocks.0.mlp.c_proj.weight", "transformer.resblocks.0.mlp.c_proj.bias"), keys.subList(0, 18));
            assertEquals(List.of("ln_post.weight", "ln_post.bias"), keys.subList(keys.size() - 2, keys.size()));
            assertEquals(4 + 2 + 2 * 12 + 2 - 1 + 1, keys.size());
            Map<String, Tensor> sd = m.stateDict();
            assertArrayEquals(new long[] {64, 3, 8, 8}, sd.get("conv1.weight").shape());
            assertArrayEquals(new long[] {192, 64}, sd.get("transformer.resblocks.1.attn.in_proj_weight").shape());
            assertArrayEquals(new long[] {17, 64}, sd.get("positional_embedding").shape());
            assertEquals(m.namedParameters().keySet(), sd.keySet());
            long count = 0;
            for (Tensor t : sd.values()) {
                count += t.numel();
            }
            assertEquals(count, m.parameterCount());
            assertEquals("visual", m.path());
            assertEquals("visual.transformer.resblocks.1.attn", m.get("transformer.resblocks.1.attn").path());
        }
    }

    @Test
    void forwardShapesAndModes() {
        try (Module m = smallVit().compile(Device.CPU, DType.FLOAT32); Scope s = Scope.open()) {
            Tensor out = m.forward(Torch.randn(3, 3, 32, 32));
            assertArrayEquals(new long[] {3, 16}, out.shape());
            assertTrue(m.isTraining());
            m.eval();
            assertFalse(m.get("transformer.resblocks.0.attn").isTraining());
            m.train(true);
            assertTrue(m.get("transformer.resblocks.0.attn").isTraining());
        }
    }

    @Test
    void loadStateDictReportsMissingUnexpectedAndMismatched() {
        try (Module a = smallVit().compile(Device.CPU, DType.FLOAT32);
             Module b = smallVit().compile(Device.CPU, DType.FLOAT32);
             Scope s = Scope.open()) {
            Tensor x = Torch.randn(2, 3, 32, 32);
            assertFalse(a.forward(x).allclose(b.forward(x)));
            LoadResult clean = b.loadStateDict(a.stateDict(), true);
            assertTrue(clean.isClean());
            assertTrue(a.forward(x).allclose(b.forward(x)), "same weights give the same outputs");

            Map<String, Object> partial = new HashMap<>(a.stateDict());
            partial.remove("ln_pre.bias");
            partial.put("visual.extra", Torch.zeros(2));
            partial.put("proj", Torch.zeros(64, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(partial, true));
            assertTrue(e.getMessage().contains("ln_pre.bias") && e.getMessage().contains("visual.extra") && e.getMessage().contains("proj"),
                    e.getMessage());
            LoadResult r = b.loadStateDict(partial, false);
            assertEquals(List.of("ln_pre.bias"), r.missingKeys());
            assertEquals(List.of("visual.extra"), r.unexpectedKeys());
            assertEquals("proj", r.shapeMismatches().get(0).key());
        }
    }

    @Test
    void toConvertsFloatingParametersInPlaceAndFreezeStopsGradients() {
        try (Module m = smallVit().compile(Device.CPU, DType.FLOAT32); Scope s = Scope.open()) {
            Tensor proj = m.stateDict().get("proj");
            m.to(null, DType.FLOAT64);
            assertEquals(DType.FLOAT64, proj.dtype(), "the same parameter object now holds float64 data");
            assertEquals(DType.FLOAT64, m.forward(Torch.randn(1, 3, 32, 32).to(DType.FLOAT64)).dtype());
            m.get("transformer").freeze();
            assertFalse(m.stateDict().get("transformer.resblocks.0.ln_1.weight").requiresGrad());
            assertTrue(m.stateDict().get("ln_post.weight").requiresGrad());
            Tensor loss = m.forward(Torch.randn(1, 3, 32, 32).to(DType.FLOAT64)).sum();
            loss.backward();
            assertTrue(m.stateDict().get("transformer.resblocks.0.ln_1.weight").grad() == null);
            assertTrue(m.stateDict().get("ln_post.weight").grad() != null);
        }
    }

    @Test
    void compileOnCudaWithoutCudaFailsClearly() {
        Assumptions.assumeFalse(org.lcl.torch.Cuda.isAvailable(), "CUDA is available: this test covers machines without it");
        Exception e = assertThrows(Exception.class, () -> smallVit().compile(Device.cuda(0), DType.FLOAT32));
        assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
    }
}
