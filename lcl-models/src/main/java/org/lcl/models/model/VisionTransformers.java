package org.lcl.models.model;

import java.util.ArrayList;
import java.util.List;

import org.lcl.dsl.Dsl;
import org.lcl.dsl.Spec;
import org.lcl.dsl.layers.AttentionSpec;
import org.lcl.dsl.layers.MlpSpec;
import org.lcl.dsl.layers.ResidualBlockSpec;
import org.lcl.dsl.layers.SequenceSpec;
import org.lcl.dsl.layers.TokenPoolSpec;
import org.lcl.models.config.VisionConfig;

/**
 * OpenCLIP's VisionTransformer as a DSL spec named {@code visual}: conv1 → class_embedding →
 * positional_embedding → patch_dropout → ln_pre → transformer.resblocks → ln_post → pooling →
 * proj. Its state dict is OpenCLIP's: {@code visual.class_embedding}, {@code
 * visual.positional_embedding}, {@code visual.proj}, then {@code visual.conv1.weight},
 * {@code visual.ln_pre.*}, {@code visual.transformer.resblocks.{i}.*}, {@code visual.ln_post.*}.
 *
 * <p>Initialisation is OpenCLIP's (its VisionTransformer keeps PyTorch's defaults): class and
 * positional embeddings and proj width^-0.5·randn; conv1 and the MLP Linears kaiming-uniform;
 * in_proj xavier-uniform, in_proj_bias and out_proj.bias zero.
 */
public final class VisionTransformers {

    private VisionTransformers() {}

    /** A CLIP vision tower with OpenCLIP's exact GELU. */
    public static SequenceSpec spec(VisionConfig cfg, long embedDim, boolean withProj) {
        return spec(cfg, embedDim, withProj, false);
    }

    /**
     * The vision tower. withProj: OpenCLIP's CLIP tower, pooled per pool_type and projected to
     * embedDim → [B, embedDim] (or [B, N+1, embedDim] with pool_type "none"). Without: LCL's tower,
     * ln_post on every token then the class token dropped → patch tokens [B, N, width]
     * (pool_type and final_ln_after_pool do not apply, as in the reference's {@code _encode_image}).
     */
    public static SequenceSpec spec(VisionConfig cfg, long embedDim, boolean withProj, boolean quickGelu) {
        long width = cfg.width();
        long patch = cfg.patchSize();
        long grid = patch > 0 ? cfg.imageSize() / patch : 0;
        List<Spec> layers = new ArrayList<>();
        layers.add(Dsl.patchEmbed("conv1", 3, width, patch, cfg.imageSize()));
        layers.add(Dsl.classToken("class_embedding", width));
        layers.add("sin_cos_2d".equals(cfg.posEmbedType())
                ? Dsl.sinCos2dPositions("positional_embedding", grid, width, true)
                : Dsl.learnedPositions("positional_embedding", grid * grid + 1, width));
        if (cfg.patchDropout() > 0) {
            layers.add(Dsl.patchDropout(cfg.patchDropout()));
        }
        if (!cfg.noLnPre()) {
            layers.add(Dsl.layerNorm("ln_pre", width));
        }
        MlpSpec.Activation act = quickGelu ? MlpSpec.Activation.QUICK_GELU : MlpSpec.Activation.GELU;
        long heads = cfg.heads();
        long mlpWidth = cfg.mlpWidth();
        Double ls = cfg.lsInitValue();
        layers.add(Dsl.repeat("transformer.resblocks", cfg.layers(), i -> block(width, heads, mlpWidth, act, false, ls)));
        if (!withProj) {
            layers.add(Dsl.layerNorm("ln_post", width));
            layers.add(Dsl.pool(TokenPoolSpec.Kind.DROP_FIRST));
            return Dsl.sequence("visual", layers);
        }
        TokenPoolSpec.Kind kind = switch (cfg.poolType()) {
            case "tok" -> TokenPoolSpec.Kind.FIRST;
            case "avg" -> TokenPoolSpec.Kind.AVERAGE;
            default -> null;
        };
        if (cfg.finalLnAfterPool()) {
            if (kind != null) {
                layers.add(Dsl.pool(kind));
            }
            layers.add(Dsl.layerNorm("ln_post", width));
        } else {
            layers.add(Dsl.layerNorm("ln_post", width));
            if (kind != null) {
                layers.add(Dsl.pool(kind));
            }
        }
        layers.add(Dsl.projection("proj", width, embedDim));
        return Dsl.sequence("visual", layers);
    }

    /**
     * OpenCLIP's ResidualAttentionBlock with an MLP of int(width·mlp_ratio) (the DSL's preLn
     * rounds) and optional layer scale; attention and MLP inits left to the caller.
     */
    static ResidualBlockSpec block(long width, long heads, long mlpWidth, MlpSpec.Activation act, boolean causal, Double lsInitValue) {
        ResidualBlockSpec b = new ResidualBlockSpec("", width, new AttentionSpec("attn", width, heads, causal),
                new MlpSpec("mlp", width, mlpWidth, act), 0.0);
        return lsInitValue != null ? b.withLayerScale(lsInitValue) : b;
    }
}
