package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Dsl;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.dsl.layers.AttentionSpec;
import org.lcl.dsl.layers.EmbeddingSpec;
import org.lcl.dsl.layers.LayerNormSpec;
import org.lcl.dsl.layers.LinearSpec;
import org.lcl.dsl.layers.MlpSpec;
import org.lcl.dsl.layers.PositionalEmbeddingSpec;
import org.lcl.dsl.layers.ProjectionSpec;
import org.lcl.dsl.layers.RepeatSpec;
import org.lcl.dsl.layers.ResidualBlockSpec;
import org.lcl.models.config.TextConfig;

/**
 * OpenCLIP's TextTransformer as a DSL spec: {@code token_embedding} [vocab, W],
 * {@code positional_embedding} [ctx, W], causal pre-LN {@code transformer.resblocks},
 * {@code ln_final}, {@code text_projection} [W, embedDim] (a Linear with bias when proj_bias).
 * Named {@code text} in LCL and CustomTextCLIP; with an empty name and {@code clipLayout} its
 * parameters sit at the top level of a plain CLIP in CLIP's registration order (transformer
 * before token_embedding). The causal mask is the attention's causal flag, so there is no
 * {@code attn_mask} buffer in the state dict.
 *
 * <p>OpenCLIP's text init: token_embedding std 0.02, positional std 0.01, in_proj std W^-0.5,
 * out_proj and c_proj std W^-0.5·(2·layers)^-0.5, c_fc std (2W)^-0.5, text_projection std
 * W^-0.5. Biases: in_proj and out_proj zero (nn.MultiheadAttention), c_fc/c_proj PyTorch's
 * default uniform (OpenCLIP leaves them), a proj_bias Linear's bias zero; LayerNorms 1 and 0.
 */
public record TextDecoderSpec(String name, TextConfig cfg, long embedDim, boolean quickGelu, boolean clipLayout) implements Spec {

    EmbeddingSpec tokenEmbedding() {
        return new EmbeddingSpec("token_embedding", cfg.vocabSize(), cfg.width(), Init.normal(0.02));
    }

    PositionalEmbeddingSpec positionalEmbedding() {
        return Dsl.learnedPositions("positional_embedding", cfg.contextLength(), cfg.width(), Init.normal(0.01));
    }

    RepeatSpec transformer() {
        long w = cfg.width();
        double attnStd = Math.pow(w, -0.5);
        double projStd = Math.pow(w, -0.5) * Math.pow(2.0 * cfg.layers(), -0.5);
        double fcStd = Math.pow(2.0 * w, -0.5);
        MlpSpec.Activation act = quickGelu ? MlpSpec.Activation.QUICK_GELU : MlpSpec.Activation.GELU;
        boolean causal = !cfg.noCausalMask();
        return Dsl.repeat("transformer.resblocks", cfg.layers(), i -> {
            ResidualBlockSpec b = new ResidualBlockSpec("", w,
                    new AttentionSpec("attn", w, cfg.heads(), causal).withInit(Init.normal(attnStd), Init.normal(projStd)),
                    new MlpSpec("mlp", w, cfg.mlpWidth(), act).withInit(Init.normal(fcStd), Init.normal(projStd)), 0.0);
            return cfg.lsInitValue() != null ? b.withLayerScale(cfg.lsInitValue()) : b;
        });
    }

    LayerNormSpec lnFinal() {
        return new LayerNormSpec("ln_final", cfg.width());
    }

    Spec textProjection() {
        Init init = Init.normal(Math.pow(cfg.width(), -0.5));
        return cfg.projBias()
                ? new LinearSpec("text_projection", cfg.width(), embedDim).withInit(init, Init.zeros())
                : new ProjectionSpec("text_projection", cfg.width(), embedDim, init);
    }

    /** Checks with input ids [B, L] (or unknown); returns the decoder outputs [B, L, W]. */
    @Override
    public Shape check(Shape input, String path) {
        if (cfg.contextLength() <= 0 || cfg.vocabSize() <= 0 || cfg.width() <= 0 || cfg.layers() < 0 || embedDim <= 0) {
            throw new ModelDefinitionException(path, "text tower needs positive sizes, got context_length " + cfg.contextLength()
                    + ", vocab_size " + cfg.vocabSize() + ", width " + cfg.width() + ", layers " + cfg.layers() + ", embed_dim " + embedDim);
        }
        if (input.isKnownRank() && input.rank() != 2) {
            throw new ModelDefinitionException(path, "text tower expects token ids [B, L], got " + input);
        }
        long l = input.isKnownRank() ? input.dim(1) : Shape.ANY;
        if (l != Shape.ANY && l > cfg.contextLength()) {
            throw new ModelDefinitionException(path, "sequence length " + l + " exceeds context_length " + cfg.contextLength());
        }
        Shape x = tokenEmbedding().check(Shape.of(Shape.ANY, l), Spec.join(path, "token_embedding"));
        x = positionalEmbedding().check(x, Spec.join(path, "positional_embedding"));
        x = transformer().check(x, Spec.join(path, "transformer.resblocks"));
        x = lnFinal().check(x, Spec.join(path, "ln_final"));
        Spec proj = textProjection();
        proj.check(x, Spec.join(path, "text_projection"));
        return x;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new TextDecoder(this, ctx);
    }
}
