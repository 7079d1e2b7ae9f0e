package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** A learned query attending over tokens; also projects the tokens through the value path. */
public final class AttentivePool extends Module {

    private final Tensor queryToken;
    private final LayerNorm normQ;
    private final LayerNorm normK;
    private final LayerNorm normV;
    private final CrossAttention crossAttn;

    /** Both outputs of one pass over the tokens. */
    public record Output(Tensor pooled, Tensor projected) {}

    AttentivePool(AttentivePoolSpec spec, CompileContext ctx) {
        super(spec.name());
        queryToken = addParameter("query_token", ctx.parameter(spec.queryInit(), 1, 1, spec.inDim()));
        Pooler pooler = addModule(new Pooler());
        normQ = pooler.add((LayerNorm) new LayerNormSpec("norm1_q", spec.inDim()).build(ctx));
        normK = pooler.add((LayerNorm) new LayerNormSpec("norm1_k", spec.inDim()).build(ctx));
        normV = pooler.add((LayerNorm) new LayerNormSpec("norm1_v", spec.inDim()).build(ctx));
        crossAttn = pooler.add((CrossAttention) new CrossAttentionSpec("cross_attn", spec.inDim(), spec.outDim(), spec.heads()).build(ctx));
    }

    /** The pooled latent [B, out]. */
    @Override
    public Tensor forward(Tensor tokens) {
        try (Scope s = Scope.open()) {
            return pooled(tokens, normV.forward(tokens)).moveOut();
        }
    }

    /** Pooled latent [B, out] and projected tokens [B, N, out], sharing the value normalisation. */
    public Output forwardBoth(Tensor tokens) {
        try (Scope s = Scope.open()) {
            Tensor v = normV.forward(tokens);
            Tensor pooled = pooled(tokens, v).moveOut();
            Tensor projected = crossAttn.projectValues(v).moveOut();
            return new Output(pooled, projected);
        }
    }

    private Tensor pooled(Tensor tokens, Tensor normedValues) {
        long b = tokens.size(0);
        Tensor q = normQ.forward(queryToken.to(tokens.dtype()).expand(b, 1, queryToken.size(2)));
        return crossAttn.forward(q, normK.forward(tokens), normedValues).squeeze(1);
    }

    /** The {@code pooler} container: norms and cross-attention. */
    private static final class Pooler extends Module {
        Pooler() {
            super("pooler");
        }

        <M extends Module> M add(M m) {
            return addModule(m);
        }
    }
}
