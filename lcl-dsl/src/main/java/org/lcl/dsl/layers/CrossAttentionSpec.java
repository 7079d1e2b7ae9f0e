package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * Multi-head cross-attention with separate projections (EVA/LCL style): {@code q}, {@code k},
 * {@code v} Linear(inDim → outDim) without bias, separate zero-initialised {@code q_bias},
 * {@code k_bias}, {@code v_bias} [outDim], and {@code proj} Linear(outDim → outDim) without bias.
 * Scale head_dim^-0.5.
 */
public record CrossAttentionSpec(String name, long inDim, long outDim, long heads) implements Spec {

    @Override
    public Shape check(Shape input, String path) {
        if (inDim <= 0 || outDim <= 0 || heads <= 0) {
            throw new ModelDefinitionException(path, "cross-attention needs positive sizes, got in " + inDim + ", out " + outDim + ", heads " + heads);
        }
        if (outDim % heads != 0) {
            throw new ModelDefinitionException(path, "width " + outDim + " is not divisible by " + heads + " heads");
        }
        input.requireLast(inDim, path, "cross-attention");
        return input.withLast(outDim);
    }

    @Override
    public Module build(CompileContext ctx) {
        return new CrossAttention(this, ctx);
    }
}
