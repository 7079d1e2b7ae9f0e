package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.dsl.layers.SequenceSpec;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.VisionConfig;

/**
 * OpenCLIP's CLIP as a DSL spec: {@code visual} (ViT with proj) and the text tower at the top
 * level (CLIP), or under {@code text.} when custom_text (CustomTextCLIP), plus {@code logit_scale}.
 */
public record ClipModelSpec(ModelConfig cfg) implements Spec {

    public ClipModelSpec {
        if (cfg.isLcl()) {
            throw new IllegalArgumentException("the config has pool_project_cfg: it declares an LCL model, not CLIP");
        }
    }

    @Override
    public String name() {
        return "";
    }

    SequenceSpec visual() {
        return VisionTransformers.spec(cfg.visionCfg(), cfg.embedDim(), true, cfg.quickGelu());
    }

    TextDecoderSpec text() {
        return cfg.customText()
                ? new TextDecoderSpec("text", cfg.textCfg(), cfg.embedDim(), cfg.quickGelu(), false)
                : new TextDecoderSpec("", cfg.textCfg(), cfg.embedDim(), cfg.quickGelu(), true);
    }

    LogitScale.LogitScaleSpec scalars() {
        return new LogitScale.LogitScaleSpec(cfg.initLogitScale(), cfg.initLogitBias());
    }

    /** Checks for images [B, 3, H, W]; returns the image feature shape [B, embed_dim]. */
    @Override
    public Shape check(Shape input, String path) {
        VisionConfig v = cfg.visionCfg();
        Shape image = visual().check(Shape.of(Shape.ANY, 3, v.imageSize(), v.imageSize()), Spec.join(path, "visual"));
        TextDecoderSpec t = text();
        t.check(Shape.of(Shape.ANY, Shape.ANY), Spec.join(path, t.name()));
        return image;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new ClipModel(this, ctx);
    }
}
