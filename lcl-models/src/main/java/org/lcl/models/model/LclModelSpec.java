package org.lcl.models.model;

import java.util.List;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Dsl;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.dsl.layers.AttentivePoolSpec;
import org.lcl.dsl.layers.LayerNormSpec;
import org.lcl.dsl.layers.LinearSpec;
import org.lcl.dsl.layers.SequenceSpec;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.PoolProjectConfig;
import org.lcl.models.config.TextConfig;
import org.lcl.models.config.VisionConfig;
import org.lcl.models.data.tokenizer.SpecialTokens;

/**
 * The LCL model as a DSL spec: {@code visual} (OpenCLIP's ViT without proj, class token
 * dropped), {@code text} (the causal decoder), {@code pool_project} (attentive pooling),
 * {@code lm_head} (LayerNorm + Linear without bias) and {@code logit_scale}. Compile checks,
 * besides every layer's own sizes, that the parts fit together: pool input_dim = vision width,
 * pool output_dim = text width = embed_dim, an image's N tokens + soi + eoi fit in the context,
 * and the special ids fit in the vocabulary.
 */
public record LclModelSpec(ModelConfig cfg) implements Spec {

    public LclModelSpec {
        if (!cfg.isLcl()) {
            throw new IllegalArgumentException("an LCL model needs pool_project_cfg in its config");
        }
    }

    @Override
    public String name() {
        return "";
    }

    SequenceSpec visual() {
        return VisionTransformers.spec(cfg.visionCfg(), cfg.embedDim(), false, cfg.quickGelu());
    }

    AttentivePoolSpec poolProject() {
        PoolProjectConfig p = cfg.poolProjectCfg();
        return Dsl.attentivePool("pool_project", p.inputDim(), p.outputDim(), p.attnNumHeads());
    }

    TextDecoderSpec text() {
        return new TextDecoderSpec("text", cfg.textCfg(), cfg.embedDim(), cfg.quickGelu(), false);
    }

    SequenceSpec lmHead() {
        TextConfig t = cfg.textCfg();
        return Dsl.sequence("lm_head", new LayerNormSpec("0", t.width()), new LinearSpec("1", t.width(), t.vocabSize()).withoutBias());
    }

    LogitScale.LogitScaleSpec scalars() {
        return new LogitScale.LogitScaleSpec(cfg.initLogitScale(), cfg.initLogitBias());
    }

    /** Checks the model for images [B_img, 3, H, W]; returns the decoder output shape [B, L, Wt]. */
    @Override
    public Shape check(Shape input, String path) {
        VisionConfig v = cfg.visionCfg();
        TextConfig t = cfg.textCfg();
        PoolProjectConfig p = cfg.poolProjectCfg();
        Shape tokens = visual().check(Shape.of(Shape.ANY, 3, v.imageSize(), v.imageSize()), Spec.join(path, "visual"));
        String pool = Spec.join(path, "pool_project");
        if (p.inputDim() != v.width()) {
            throw new ModelDefinitionException(pool, "input_dim " + p.inputDim() + " differs from the vision width " + v.width()
                    + " (pool_project_cfg.input_dim must equal vision_cfg.width)");
        }
        poolProject().check(tokens, pool);
        Shape out = text().check(Shape.of(Shape.ANY, Shape.ANY), Spec.join(path, "text"));
        if (p.outputDim() != t.width()) {
            throw new ModelDefinitionException(pool, "output_dim " + p.outputDim() + " differs from the text width " + t.width()
                    + ": the projected visual tokens are the decoder's input embeddings");
        }
        if (cfg.embedDim() != p.outputDim()) {
            throw new ModelDefinitionException(Spec.join(path, "text.text_projection"), "embed_dim " + cfg.embedDim()
                    + " differs from pool_project output_dim " + p.outputDim() + ": text features at <start_of_img> are compared with the image latents");
        }
        long n = v.numPatches();
        if (n + 2 > t.contextLength()) {
            throw new ModelDefinitionException(Spec.join(path, "text.positional_embedding"), "context_length " + t.contextLength()
                    + " cannot hold one image: " + n + " visual tokens plus <start_of_img> and <end_of_img>");
        }
        SpecialTokens st = cfg.specialTokens();
        List<Integer> ids = List.of(st.startOfText(), st.endOfText(), st.imagePlaceholder(), st.startOfImage(), st.endOfImage());
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i) >= t.vocabSize()) {
                throw new ModelDefinitionException(Spec.join(path, "text.token_embedding"), "vocab_size " + t.vocabSize()
                        + " has no id " + ids.get(i) + " for " + ModelConfig.SPECIAL_TOKEN_NAMES.get(i));
            }
        }
        lmHead().check(out, Spec.join(path, "lm_head"));
        return out;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new LclModel(this, ctx);
    }
}
