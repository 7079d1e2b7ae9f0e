package org.lcl.models.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenCLIP's {@code text_cfg} for its TextTransformer, with OpenCLIP's defaults. In LCL it is the
 * causal decoder over interleaved sequences; pool_type, final_ln_after_pool and proj_bias matter
 * only for CLIP's text encoder.
 *
 * @param lsInitValue layer-scale init, or null for none
 * @param poolType CLIP's text pooling: "argmax" (the highest id, i.e. the eot token), "first", "last" or "none"
 * @param tokenizerKwargs tokenizer_kwargs as given (e.g. additional_special_tokens), or an empty map
 */
public record TextConfig(int contextLength, int vocabSize, int width, int heads, int layers, double mlpRatio,
                         Double lsInitValue, boolean noCausalMask, String poolType, boolean projBias,
                         boolean finalLnAfterPool, int padId, Map<String, Object> tokenizerKwargs) {

    static final Set<String> KEYS = JsonSection.keys(
            "context_length", "vocab_size", "width", "heads", "layers", "mlp_ratio", "ls_init_value", "embed_cls",
            "pad_id", "no_causal_mask", "final_ln_after_pool", "pool_type", "proj_bias", "proj_type", "output_tokens",
            "tokenizer_kwargs", "tokenizer_mode", "act_kwargs", "norm_kwargs",
            "block_type", "qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc",
            "hf_model_name", "hf_model_pretrained", "hf_tokenizer_name", "hf_proj_type", "hf_pooler_type");

    public static final List<String> POOL_TYPES = List.of("argmax", "first", "last", "none");

    public TextConfig {
        tokenizerKwargs = tokenizerKwargs == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tokenizerKwargs));
    }

    /** OpenCLIP's CLIPTextCfg defaults. */
    public static TextConfig defaults() {
        return new TextConfig(77, 49408, 512, 8, 12, 4.0, null, false, "argmax", false, false, 0, Map.of());
    }

    /** The MLP's hidden width, int(width · mlp_ratio) as OpenCLIP. */
    public int mlpWidth() {
        return (int) (width * mlpRatio);
    }

    /** tokenizer_kwargs.additional_special_tokens (LCL's three image tokens), or an empty list. */
    public List<String> additionalSpecialTokens() {
        Object v = tokenizerKwargs.get("additional_special_tokens");
        if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    static TextConfig read(JsonSection s) {
        String hf = "HuggingFace text towers and tokenizers are out of scope (only OpenCLIP's own TextTransformer is implemented)";
        s.unsupported("hf_model_name", null, hf);
        s.unsupported("hf_tokenizer_name", null, hf);
        s.unsupported("hf_model_pretrained", true, hf);
        s.unsupported("hf_proj_type", "mlp", hf);
        s.unsupported("hf_pooler_type", "mean_pooler", hf);
        s.unsupported("tokenizer_mode", null, "only the CLIP BPE tokenizer is implemented");
        s.unsupported("embed_cls", false, "the CoCa-style appended class token is not implemented");
        s.unsupported("output_tokens", false, "the text tower returns pooled features (LCL returns its outputs)");
        s.unsupported("proj_type", "linear", "only the linear text projection is implemented");
        s.unsupported("pad_id", 0, "padding is id 0 (LCL's sequences and losses hard-code it)");
        s.unsupported("act_kwargs", null, "activation arguments are not implemented");
        s.unsupported("norm_kwargs", null, "normalisation arguments are not implemented");
        s.unsupported("block_type", null, "only OpenCLIP's default residual attention block is implemented");
        for (String k : List.of("qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc")) {
            s.unsupported(k, false, "only OpenCLIP's default residual attention block is implemented");
        }
        TextConfig d = defaults();
        return new TextConfig(
                s.getInt("context_length", d.contextLength()),
                s.getInt("vocab_size", d.vocabSize()),
                s.getInt("width", d.width()),
                s.getInt("heads", d.heads()),
                s.getInt("layers", d.layers()),
                s.getDouble("mlp_ratio", d.mlpRatio()),
                s.getNullableDouble("ls_init_value"),
                s.getBool("no_causal_mask", d.noCausalMask()),
                s.getChoice("pool_type", d.poolType(), POOL_TYPES),
                s.getBool("proj_bias", d.projBias()),
                s.getBool("final_ln_after_pool", d.finalLnAfterPool()),
                s.getInt("pad_id", d.padId()),
                s.getMap("tokenizer_kwargs"));
    }
}
