package org.lcl.models.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;

/**
 * Parameter counts, state-dict names, order and shapes of the full-size models against
 * OpenCLIP's and the LCL reference's. Compiled without initialisation (the names, shapes and
 * counts do not depend on it), so even ViT-L/14 takes well under a second.
 */
class ModelStructureTest {

    private record Info(long params, int tensors, Map<String, long[]> shapes, List<String> keys, Map<String, Long> perChild) {}

    private static Info info(String name) {
        try (ImageTextModel m = Models.create(name, Device.CPU, DType.FLOAT32, false)) {
            long total = 0;
            Map<String, Long> perChild = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                total += e.getValue().numel();
                String top = e.getKey().contains(".") ? e.getKey().substring(0, e.getKey().indexOf('.')) : e.getKey();
                perChild.merge(top, e.getValue().numel(), Long::sum);
            }
            Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
            m.stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
            return new Info(total, m.namedParameters().size(), shapes, new ArrayList<>(shapes.keySet()), perChild);
        }
    }

    @Test
    void clipVitB32MatchesOpenClip() {
        Info i = info("ViT-B-32");
        assertEquals(151_277_313L, i.params());
        assertEquals(302, i.tensors());
        assertEquals(302, i.shapes().size(), "the state dict holds the parameters only (no attn_mask buffer)");
        assertEquals(87_849_216L, i.perChild().get("visual"));
        assertEquals(List.of("positional_embedding", "text_projection", "logit_scale", "visual.class_embedding",
                "visual.positional_embedding", "visual.proj", "visual.conv1.weight", "visual.ln_pre.weight"), i.keys().subList(0, 8));
        assertEquals(List.of("token_embedding.weight", "ln_final.weight", "ln_final.bias"), i.keys().subList(299, 302));
        assertEquals("transformer.resblocks.0.ln_1.weight", i.keys().get(155));
        assertFalse(i.keys().stream().anyMatch(k -> k.contains("attn_mask")));
        assertArrayEquals(new long[] {768, 3, 32, 32}, i.shapes().get("visual.conv1.weight"));
        assertArrayEquals(new long[] {50, 768}, i.shapes().get("visual.positional_embedding"));
        assertArrayEquals(new long[] {2304, 768}, i.shapes().get("visual.transformer.resblocks.11.attn.in_proj_weight"));
        assertArrayEquals(new long[] {3072, 768}, i.shapes().get("visual.transformer.resblocks.0.mlp.c_fc.weight"));
        assertArrayEquals(new long[] {768, 512}, i.shapes().get("visual.proj"));
        assertArrayEquals(new long[] {49408, 512}, i.shapes().get("token_embedding.weight"));
        assertArrayEquals(new long[] {77, 512}, i.shapes().get("positional_embedding"));
        assertArrayEquals(new long[] {512, 512}, i.shapes().get("text_projection"));
        assertArrayEquals(new long[] {}, i.shapes().get("logit_scale"));
        List<String> block = i.keys().stream().filter(k -> k.startsWith("visual.transformer.resblocks.0.")).toList();
        assertEquals(List.of("ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
                "attn.out_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
                "mlp.c_proj.bias"), block.stream().map(k -> k.substring("visual.transformer.resblocks.0.".length())).toList());
    }

    @Test
    void lclVitB32LaionMatchesTheReference() {
        Info i = info("LCL_ViT-B-32_laion");
        assertEquals(177_659_905L, i.params());
        assertEquals(318, i.tensors());
        assertEquals(318, i.shapes().size());
        assertEquals(List.of("logit_scale", "visual.class_embedding", "visual.positional_embedding", "visual.conv1.weight"),
                i.keys().subList(0, 4));
        assertFalse(i.shapes().containsKey("visual.proj"));
        assertEquals(List.of("logit_scale", "visual", "text", "pool_project", "lm_head"), List.copyOf(i.perChild().keySet()));
        assertEquals(87_456_000L, i.perChild().get("visual"));
        assertEquals(63_455_744L, i.perChild().get("text"));
        assertEquals(1_448_704L, i.perChild().get("pool_project"));
        assertEquals(25_299_456L, i.perChild().get("lm_head"));
        assertArrayEquals(new long[] {768, 3, 32, 32}, i.shapes().get("visual.conv1.weight"));
        assertArrayEquals(new long[] {512, 768}, i.shapes().get("pool_project.pooler.cross_attn.q.weight"));
        assertArrayEquals(new long[] {1, 1, 768}, i.shapes().get("pool_project.query_token"));
        assertArrayEquals(new long[] {512, 512}, i.shapes().get("pool_project.pooler.cross_attn.proj.weight"));
        assertArrayEquals(new long[] {49411, 512}, i.shapes().get("text.token_embedding.weight"));
        assertArrayEquals(new long[] {128, 512}, i.shapes().get("text.positional_embedding"));
        assertArrayEquals(new long[] {512, 512}, i.shapes().get("text.text_projection"));
        assertArrayEquals(new long[] {49411, 512}, i.shapes().get("lm_head.1.weight"));
        assertArrayEquals(new long[] {}, i.shapes().get("logit_scale"));
        assertEquals(List.of("pool_project.query_token", "pool_project.pooler.norm1_q.weight", "pool_project.pooler.norm1_q.bias",
                "pool_project.pooler.norm1_k.weight", "pool_project.pooler.norm1_k.bias", "pool_project.pooler.norm1_v.weight",
                "pool_project.pooler.norm1_v.bias", "pool_project.pooler.cross_attn.q_bias", "pool_project.pooler.cross_attn.k_bias",
                "pool_project.pooler.cross_attn.v_bias", "pool_project.pooler.cross_attn.q.weight", "pool_project.pooler.cross_attn.k.weight",
                "pool_project.pooler.cross_attn.v.weight", "pool_project.pooler.cross_attn.proj.weight", "lm_head.0.weight",
                "lm_head.0.bias", "lm_head.1.weight"), i.keys().subList(301, 318));
        assertEquals(List.of("text.positional_embedding", "text.text_projection", "text.token_embedding.weight",
                "text.transformer.resblocks.0.ln_1.weight"), i.keys().subList(152, 156));
        assertEquals(List.of("text.ln_final.weight", "text.ln_final.bias"), i.keys().subList(299, 301));
    }

    @Test
    void otherReferenceSizes() {
        Info mmc4 = info("LCL_ViT-B-32_mmc4");
        assertEquals(178_642_945L, mmc4.params());
        assertArrayEquals(new long[] {2048, 512}, mmc4.shapes().get("text.positional_embedding"));
        Info b16 = info("LCL_ViT-B-16_laion");
        assertEquals(249_924_097L, b16.params());
        assertArrayEquals(new long[] {197, 768}, b16.shapes().get("visual.positional_embedding"));
        assertArrayEquals(new long[] {768, 3, 16, 16}, b16.shapes().get("visual.conv1.weight"));
        assertArrayEquals(new long[] {280, 768}, b16.shapes().get("text.positional_embedding"));
        Info l14 = info("ViT-L-14");
        assertEquals(427_616_513L, l14.params());
        assertArrayEquals(new long[] {257, 1024}, l14.shapes().get("visual.positional_embedding"));
        assertArrayEquals(new long[] {1024, 768}, l14.shapes().get("visual.proj"));
        // LCL L/14 (configs derived here, not published): L/14 vision without proj + pool 1024→768 + text 768 at ctx 340.
        Info lcl14 = info("LCL_ViT-L-14_laion");
        long vision = 427_616_513L - 123_650_305L - 1024 * 768;  // ViT-L-14 minus its text side and visual.proj
        long pool = 1024 + 3 * 2 * 1024 + 3 * 768 * 1024 + 3 * 768 + 768 * 768;
        long text = 49411L * 768 + 340 * 768 + 12 * (12L * 768 * 768 + 13 * 768) + 2 * 768 + 768 * 768;
        long lm = 2 * 768 + 49411L * 768;
        assertEquals(vision, lcl14.perChild().get("visual"));
        assertEquals(vision + pool + text + lm + 1, lcl14.params());
        assertEquals(467_942_145L, lcl14.params());
    }

    @Test
    void createDispatchesOnPoolProjectCfg() {
        try (ImageTextModel lcl = Models.create("LCL_ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32, false);
             ImageTextModel clip = Models.create("ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32, false)) {
            assertInstanceOf(LclModel.class, lcl);
            assertInstanceOf(ClipModel.class, clip);
            assertTrue(lcl.stateDict().containsKey("text.token_embedding.weight"));
            assertTrue(clip.stateDict().containsKey("token_embedding.weight"));
        }
    }
}
