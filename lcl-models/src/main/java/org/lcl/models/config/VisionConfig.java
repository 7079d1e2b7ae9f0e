package org.lcl.models.config;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenCLIP's {@code vision_cfg} for its VisionTransformer, with OpenCLIP's defaults. heads =
 * width / head_width (integer division, as OpenCLIP). The LCL model ignores pool_type and
 * final_ln_after_pool: it always applies ln_post to every token and drops the class token.
 *
 * @param lsInitValue layer-scale init, or null for none
 * @param posEmbedType "learnable" or "sin_cos_2d"
 * @param poolType "tok" (class token), "avg" (mean of the patch tokens) or "none" (all tokens)
 */
public record VisionConfig(int layers, int width, int headWidth, double mlpRatio, int patchSize, int imageSize,
                           Double lsInitValue, double patchDropout, boolean noLnPre, String posEmbedType,
                           boolean finalLnAfterPool, String poolType) {

    static final Set<String> KEYS = JsonSection.keys(
            "layers", "width", "head_width", "mlp_ratio", "patch_size", "image_size", "ls_init_value", "patch_dropout",
            "attentional_pool", "attn_pooler_queries", "attn_pooler_heads", "no_ln_pre", "pos_embed_type",
            "final_ln_after_pool", "pool_type", "output_tokens", "act_kwargs", "norm_kwargs",
            "block_type", "qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc",
            "timm_model_name", "timm_model_pretrained", "timm_pool", "timm_proj", "timm_proj_bias", "timm_drop",
            "timm_drop_path");

    public static final List<String> POS_EMBED_TYPES = List.of("learnable", "sin_cos_2d");
    public static final List<String> POOL_TYPES = List.of("tok", "avg", "none");

    /** OpenCLIP's CLIPVisionCfg defaults (ViT-B/16 at 224). */
    public static VisionConfig defaults() {
        return new VisionConfig(12, 768, 64, 4.0, 16, 224, null, 0.0, false, "learnable", false, "tok");
    }

    /** Attention heads: width / head_width. */
    public int heads() {
        return headWidth > 0 ? width / headWidth : 0;
    }

    /** Patches per side (image_size / patch_size). */
    public int gridSize() {
        return patchSize > 0 ? imageSize / patchSize : 0;
    }

    /** Patch tokens per image: the N visual tokens LCL feeds to the decoder. */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** The MLP's hidden width, int(width · mlp_ratio) as OpenCLIP. */
    public int mlpWidth() {
        return (int) (width * mlpRatio);
    }

    public VisionConfig withImageSize(int size) {
        return new VisionConfig(layers, width, headWidth, mlpRatio, patchSize, size, lsInitValue, patchDropout, noLnPre,
                posEmbedType, finalLnAfterPool, poolType);
    }

    public VisionConfig withPatchDropout(double p) {
        return new VisionConfig(layers, width, headWidth, mlpRatio, patchSize, imageSize, lsInitValue, p, noLnPre,
                posEmbedType, finalLnAfterPool, poolType);
    }

    static VisionConfig read(JsonSection s) {
        String timm = "timm vision towers are out of scope (only OpenCLIP's own VisionTransformer is implemented)";
        s.unsupported("timm_model_name", null, timm);
        s.unsupported("timm_model_pretrained", false, timm);
        s.unsupported("timm_pool", "avg", timm);
        s.unsupported("timm_proj", "linear", timm);
        s.unsupported("timm_proj_bias", false, timm);
        s.unsupported("timm_drop", 0.0, timm);
        s.unsupported("timm_drop_path", null, timm);
        s.unsupported("attentional_pool", false, "OpenCLIP's attentional pooler (CoCa) is not implemented");
        s.unsupported("attn_pooler_queries", 256, "OpenCLIP's attentional pooler (CoCa) is not implemented");
        s.unsupported("attn_pooler_heads", 8, "OpenCLIP's attentional pooler (CoCa) is not implemented");
        s.unsupported("output_tokens", false, "the vision tower returns pooled features (LCL models expose the tokens)");
        s.unsupported("act_kwargs", null, "activation arguments are not implemented");
        s.unsupported("norm_kwargs", null, "normalisation arguments are not implemented");
        s.unsupported("block_type", null, "only OpenCLIP's default residual attention block is implemented");
        for (String k : List.of("qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc")) {
            s.unsupported(k, false, "only OpenCLIP's default residual attention block is implemented");
        }
        VisionConfig d = defaults();
        JsonNode layersNode = s.get("layers");
        if (layersNode != null && layersNode.isArray()) {
            throw s.error(s.key("layers") + " = " + layersNode + " is not supported: a list of layers declares a ModifiedResNet, "
                    + "and only VisionTransformer towers are implemented");
        }
        int imageSize = d.imageSize();
        JsonNode is = s.get("image_size");
        if (is != null && is.isArray()) {
            if (is.size() != 2 || !is.get(0).isIntegralNumber() || is.get(0).asInt() != is.get(1).asInt()) {
                throw s.error(s.key("image_size") + " = " + is + " is not supported: only square images (one size) are implemented");
            }
            imageSize = is.get(0).asInt();
        } else {
            imageSize = s.getInt("image_size", d.imageSize());
        }
        return new VisionConfig(
                s.getInt("layers", d.layers()),
                s.getInt("width", d.width()),
                s.getInt("head_width", d.headWidth()),
                s.getDouble("mlp_ratio", d.mlpRatio()),
                s.getInt("patch_size", d.patchSize()),
                imageSize,
                s.getNullableDouble("ls_init_value"),
                s.getDouble("patch_dropout", d.patchDropout()),
                s.getBool("no_ln_pre", d.noLnPre()),
                s.getChoice("pos_embed_type", d.posEmbedType(), POS_EMBED_TYPES),
                s.getBool("final_ln_after_pool", d.finalLnAfterPool()),
                s.getChoice("pool_type", d.poolType(), POOL_TYPES));
    }
}
