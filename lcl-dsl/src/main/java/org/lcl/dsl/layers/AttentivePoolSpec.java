package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * Attentive pooling (LCL's AttentivePoolingProjection): a learned {@code query_token} [1, 1, in]
 * attends over the tokens through {@code pooler} = {norm1_q, norm1_k, norm1_v, cross_attn}
 * → pooled [B, out]; the same norm1_v, v and proj also project every token → [B, N, out].
 */
public record AttentivePoolSpec(String name, long inDim, long outDim, long heads) implements Spec {

    @Override
    public Shape check(Shape input, String path) {
        if (input.isKnownRank() && input.rank() != 3) {
            throw new ModelDefinitionException(path, "attentive pooling expects tokens [B, N, W], got " + input);
        }
        new CrossAttentionSpec("cross_attn", inDim, outDim, heads).check(input, Spec.join(path, "pooler.cross_attn"));
        return input.isKnownRank() ? Shape.of(input.dim(0), outDim) : Shape.unknown();
    }

    @Override
    public Module build(CompileContext ctx) {
        return new AttentivePool(this, ctx);
    }

    Init queryInit() {
        return Init.normal(1.0);
    }
}
