package org.lcl.models.config;

import java.util.Set;

/**
 * LCL's {@code pool_project_cfg}: the attentive pooling projection from the vision tower's
 * tokens (input_dim = vision width) to the image latent and the decoder's visual tokens
 * (output_dim, which must equal embed_dim and the text width).
 */
public record PoolProjectConfig(String poolProjType, int inputDim, int outputDim, int attnNumHeads) {

    static final Set<String> KEYS = JsonSection.keys("pool_proj_type", "input_dim", "output_dim", "attn_num_heads");

    /** The reference's PoolProjectCfg defaults. */
    public static PoolProjectConfig defaults() {
        return new PoolProjectConfig("attn", 768, 512, 8);
    }

    static PoolProjectConfig read(JsonSection s) {
        PoolProjectConfig d = defaults();
        String type = s.getString("pool_proj_type", d.poolProjType());
        if (!type.equals("attn")) {
            throw s.error(s.key("pool_proj_type") + " = \"" + type + "\" is not supported: only \"attn\" (attentive pooling) exists "
                    + "(the reference raises NotImplementedError too)");
        }
        return new PoolProjectConfig(type, s.getInt("input_dim", d.inputDim()), s.getInt("output_dim", d.outputDim()),
                s.getInt("attn_num_heads", d.attnNumHeads()));
    }
}
