package org.lcl.models.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lcl.models.data.tokenizer.SpecialTokens;

/**
 * An OpenCLIP model config (the JSON under configs/), plus LCL's keys. A config with
 * {@code pool_project_cfg} is an LCL model; without, a plain CLIP.
 *
 * @param customText OpenCLIP's CustomTextCLIP layout (text tower under {@code text.}); LCL always uses it
 * @param initLogitBias the initial logit_bias (SigLIP), or null for none
 * @param poolProjectCfg LCL's attentive pooling projection, or null for CLIP
 * @param specialTokenIds LCL's special token ids by name (the reference's special_token_ids), or an empty map
 */
public record ModelConfig(int embedDim, VisionConfig visionCfg, TextConfig textCfg, boolean quickGelu, boolean customText,
                          double initLogitScale, Double initLogitBias, PoolProjectConfig poolProjectCfg,
                          Map<String, Integer> specialTokenIds) {

    /** ln(1 / 0.07), OpenCLIP's init of logit_scale. */
    public static final double DEFAULT_INIT_LOGIT_SCALE = Math.log(1 / 0.07);

    /** The names special_token_ids may hold (all five are required when it is given). */
    public static final List<String> SPECIAL_TOKEN_NAMES =
            List.of("<start_of_text>", "<end_of_text>", "<img_placehold>", "<start_of_img>", "<end_of_img>");

    static final Set<String> KEYS = JsonSection.keys(
            "embed_dim", "vision_cfg", "text_cfg", "quick_gelu", "custom_text", "init_logit_scale", "init_logit_bias",
            "pool_project_cfg", "special_token_ids", "multimodal_cfg", "cast_dtype");

    public ModelConfig {
        specialTokenIds = specialTokenIds == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokenIds));
    }

    /** True for an LCL model (the config has pool_project_cfg). */
    public boolean isLcl() {
        return poolProjectCfg != null;
    }

    /** The special token ids: special_token_ids when given, else CLIP's vocabulary with LCL's three tokens. */
    public SpecialTokens specialTokens() {
        if (specialTokenIds.isEmpty()) {
            return SpecialTokens.CLIP;
        }
        return new SpecialTokens(specialTokenIds.get("<start_of_text>"), specialTokenIds.get("<end_of_text>"),
                specialTokenIds.get("<img_placehold>"), specialTokenIds.get("<start_of_img>"), specialTokenIds.get("<end_of_img>"));
    }

    /** OpenCLIP's --force-quick-gelu. */
    public ModelConfig withQuickGelu(boolean q) {
        return new ModelConfig(embedDim, visionCfg, textCfg, q, customText, initLogitScale, initLogitBias, poolProjectCfg, specialTokenIds);
    }

    public ModelConfig withVisionCfg(VisionConfig v) {
        return new ModelConfig(embedDim, v, textCfg, quickGelu, customText, initLogitScale, initLogitBias, poolProjectCfg, specialTokenIds);
    }

    public ModelConfig withTextCfg(TextConfig t) {
        return new ModelConfig(embedDim, visionCfg, t, quickGelu, customText, initLogitScale, initLogitBias, poolProjectCfg, specialTokenIds);
    }

    static ModelConfig read(JsonSection s) {
        s.unsupported("multimodal_cfg", null, "CoCa models are not implemented");
        s.unsupported("cast_dtype", null, "choose the dtype when creating the model (--precision)");
        int embedDim = s.requireInt("embed_dim");
        VisionConfig vision = VisionConfig.read(s.requireSection("vision_cfg", VisionConfig.KEYS));
        TextConfig text = TextConfig.read(s.requireSection("text_cfg", TextConfig.KEYS));
        JsonSection pp = s.section("pool_project_cfg", PoolProjectConfig.KEYS);
        PoolProjectConfig pool = pp == null ? null : PoolProjectConfig.read(pp);
        Map<String, Integer> special = new LinkedHashMap<>();
        JsonSection st = s.section("special_token_ids", new java.util.LinkedHashSet<>(SPECIAL_TOKEN_NAMES));
        if (st != null) {
            for (String name : SPECIAL_TOKEN_NAMES) {
                if (!st.has(name)) {
                    throw s.error("special_token_ids lacks '" + name + "' (it needs all of " + SPECIAL_TOKEN_NAMES + ")");
                }
                int id = st.getInt(name, 0);
                if (id <= 0) {
                    throw s.error(st.key(name) + " must be a positive id (0 is padding), got " + id);
                }
                special.put(name, id);
            }
        }
        return new ModelConfig(embedDim, vision, text,
                s.getBool("quick_gelu", false),
                s.getBool("custom_text", false),
                s.getDouble("init_logit_scale", DEFAULT_INIT_LOGIT_SCALE),
                s.getNullableDouble("init_logit_bias"),
                pool, special);
    }
}
