package org.lcl.models.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.models.config.ConfigException;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.config.VisionConfig;
import org.lcl.models.data.tokenizer.SpecialTokens;

/** Reading configs, their errors, and compile-time checks of the models they declare (no tensors allocated). */
class ModelConfigsTest {

    private static final String B32 = """
            {"embed_dim": 512,
             "vision_cfg": {"image_size": 224, "layers": 12, "width": %s, "patch_size": %s},
             "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12%s}%s}
            """;

    private static String b32(String width, String patch, String textExtra, String topExtra) {
        return B32.formatted(width, patch, textExtra, topExtra);
    }

    private static void check(ModelConfig cfg) {
        Spec s = Models.spec(cfg);
        s.check(Shape.unknown(), s.name());
    }

    @Test
    void readsTheReferenceConfigsWithDefaults() {
        ModelConfig c = ModelConfigs.resolve("LCL_ViT-B-32_laion");
        assertTrue(c.isLcl());
        assertEquals(512, c.embedDim());
        assertEquals(768, c.visionCfg().width());
        assertEquals(12, c.visionCfg().heads());
        assertEquals(49, c.visionCfg().numPatches());
        assertEquals(3072, c.visionCfg().mlpWidth());
        assertEquals("learnable", c.visionCfg().posEmbedType());
        assertEquals(128, c.textCfg().contextLength());
        assertEquals(49411, c.textCfg().vocabSize());
        assertEquals(List.of("<img_placehold>", "<start_of_img>", "<end_of_img>"), c.textCfg().additionalSpecialTokens());
        assertEquals(768, c.poolProjectCfg().inputDim());
        assertEquals(512, c.poolProjectCfg().outputDim());
        assertEquals(8, c.poolProjectCfg().attnNumHeads());
        assertEquals(SpecialTokens.CLIP, c.specialTokens());
        assertEquals(Math.log(1 / 0.07), c.initLogitScale(), 1e-12);
        assertNull(c.initLogitBias());
        assertTrue(c.customText());

        ModelConfig clip = ModelConfigs.resolve("ViT-B-32");
        assertFalse(clip.isLcl());
        assertFalse(clip.customText());
        assertEquals(77, clip.textCfg().contextLength());
        assertEquals("argmax", clip.textCfg().poolType());
        assertEquals(2048, ModelConfigs.resolve("LCL_ViT-B-32_mmc4").textCfg().contextLength());
    }

    @Test
    void everyShippedConfigCompiles() {
        Path dir = ModelConfigs.configsDir();
        List<String> names = ModelConfigs.list(dir);
        assertTrue(names.containsAll(List.of("LCL_ViT-B-32_laion", "LCL_ViT-B-32_mmc4", "LCL_ViT-B-16_laion", "LCL_ViT-L-14_laion",
                "LCL_ViT-L-14_mmc4", "LCL_ViT-Tiny-16_demo", "ViT-B-32", "ViT-L-14", "ViT-Tiny-16_demo")), names.toString());
        for (String n : names) {
            check(ModelConfigs.resolve(n));
        }
    }

    @Test
    void resolvesPathsAndNamesUnknownModels(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("mine.json");
        Files.writeString(f, b32("768", "32", "", ""));
        assertEquals(768, ModelConfigs.resolve(f.toString()).visionCfg().width());
        assertEquals(ModelConfigs.resolve("ViT-B-32"), ModelConfigs.resolve("ViT-B/32"));
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigs.resolve("ViT-Nope-99"));
        assertTrue(e.getMessage().contains("ViT-Nope-99") && e.getMessage().contains("LCL_ViT-B-32_laion"), e.getMessage());
    }

    @Test
    void unknownKeyIsNamedWithItsFile(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("typo.json");
        Files.writeString(f, b32("768", "32", "", "").replace("\"patch_size\"", "\"patch_sise\""));
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigs.load(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": unknown key 'vision_cfg.patch_sise'"), e.getMessage());

        e = assertThrows(ConfigException.class, () -> ModelConfigs.parse(b32("768", "32", "", ", \"logit_scal\": 1"), "x.json"));
        assertTrue(e.getMessage().startsWith("x.json: unknown key 'logit_scal'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelConfigs.parse(b32("768", "32", "", ", \"pool_project_cfg\": {\"dim\": 3}"), "x.json"));
        assertTrue(e.getMessage().contains("unknown key 'pool_project_cfg.dim'"), e.getMessage());
    }

    @Test
    void unsupportedKeysAreRejectedUnlessAtTheirDefault() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelConfigs.parse(b32("768", "32", ", \"hf_model_name\": \"roberta-base\"", ""), "hf.json"));
        assertTrue(e.getMessage().startsWith("hf.json: text_cfg.hf_model_name = \"roberta-base\" is not supported"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ModelConfigs.parse(b32("768", "32", ", \"hf_tokenizer_name\": \"x\"", ""), "hf.json"));
        assertTrue(e.getMessage().contains("text_cfg.hf_tokenizer_name") && e.getMessage().contains("not supported"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ModelConfigs.parse(b32("768, \"timm_model_name\": \"vit_base\"", "32", "", ""), "t.json"));
        assertTrue(e.getMessage().contains("vision_cfg.timm_model_name") && e.getMessage().contains("not supported"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ModelConfigs.parse(b32("768, \"attentional_pool\": true", "32", "", ""), "a.json"));
        assertTrue(e.getMessage().contains("vision_cfg.attentional_pool = true is not supported"), e.getMessage());
        // Defaults (and nulls) of unsupported keys are fine.
        ModelConfig ok = ModelConfigs.parse(b32("768, \"attentional_pool\": false, \"timm_model_name\": null, \"timm_drop\": 0",
                "32", ", \"hf_model_pretrained\": true, \"embed_cls\": false", ""), "ok.json");
        assertEquals(768, ok.visionCfg().width());
        e = assertThrows(ConfigException.class, () -> ModelConfigs.parse(b32("\"wide\"", "32", "", ""), "w.json"));
        assertTrue(e.getMessage().contains("vision_cfg.width must be an integer"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ModelConfigs.parse(b32("768, \"pos_embed_type\": \"rope\"", "32", "", ""), "p.json"));
        assertTrue(e.getMessage().contains("vision_cfg.pos_embed_type must be one of"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelConfigs.parse("{\"vision_cfg\": {}, \"text_cfg\": {}}", "m.json"));
        assertTrue(e.getMessage().contains("missing required key 'embed_dim'"), e.getMessage());
    }

    @Test
    void widthNotDivisibleByHeadsNamesTheLayer() {
        ModelConfig c = ModelConfigs.parse(b32("770", "32", "", ""), "w.json");
        assertEquals(12, c.visionCfg().heads());
        ModelDefinitionException e = assertThrows(ModelDefinitionException.class, () -> check(c));
        assertEquals("visual.transformer.resblocks.0.attn: width 770 is not divisible by 12 heads", e.getMessage());
        ModelDefinitionException t = assertThrows(ModelDefinitionException.class,
                () -> check(ModelConfigs.parse(b32("768", "32", "", "").replace("\"heads\": 8", "\"heads\": 7"), "t.json")));
        assertEquals("transformer.resblocks.0.attn: width 512 is not divisible by 7 heads", t.getMessage());
    }

    @Test
    void imageSizeNotDivisibleByPatchSize() {
        ModelConfig c = ModelConfigs.parse(b32("768", "30", "", ""), "p.json");
        ModelDefinitionException e = assertThrows(ModelDefinitionException.class, () -> check(c));
        assertEquals("visual.conv1: image size 224 is not divisible by patch size 30", e.getMessage());
    }

    @Test
    void lclPartsMustFitTogether() {
        ModelConfig lcl = ModelConfigs.resolve("LCL_ViT-B-32_laion");
        var pp = lcl.poolProjectCfg();
        ModelConfig badIn = new ModelConfig(lcl.embedDim(), lcl.visionCfg(), lcl.textCfg(), false, true, lcl.initLogitScale(), null,
                new org.lcl.models.config.PoolProjectConfig("attn", 1024, pp.outputDim(), 8), lcl.specialTokenIds());
        ModelDefinitionException e = assertThrows(ModelDefinitionException.class, () -> check(badIn));
        assertTrue(e.getMessage().startsWith("pool_project: input_dim 1024 differs from the vision width 768"), e.getMessage());

        VisionConfig v = lcl.visionCfg();
        ModelConfig bigImage = lcl.withVisionCfg(new VisionConfig(v.layers(), v.width(), v.headWidth(), v.mlpRatio(), 8, 224,
                null, 0, false, "learnable", false, "tok"));
        e = assertThrows(ModelDefinitionException.class, () -> check(bigImage));
        assertEquals("text.positional_embedding: context_length 128 cannot hold one image: 784 visual tokens plus "
                + "<start_of_img> and <end_of_img>", e.getMessage());

        ModelConfig wide = ModelConfigs.resolve("LCL_ViT-Tiny-16_demo");
        var t = wide.textCfg();
        ModelConfig mismatch = wide.withTextCfg(new org.lcl.models.config.TextConfig(t.contextLength(), t.vocabSize(), 256, 4,
                t.layers(), t.mlpRatio(), null, false, "argmax", false, false, 0, t.tokenizerKwargs()));
        e = assertThrows(ModelDefinitionException.class, () -> check(mismatch));
        assertTrue(e.getMessage().startsWith("pool_project: output_dim 192 differs from the text width 256"), e.getMessage());
    }
}
