package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.Module;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** Cross-attention of queries [B, Lq, in] over keys/values [B, Lk, in] → [B, Lq, out]. */
public final class CrossAttention extends Module {

    private final Tensor qBias;
    private final Tensor kBias;
    private final Tensor vBias;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear proj;
    private final long heads;

    CrossAttention(CrossAttentionSpec spec, CompileContext ctx) {
        super(spec.name());
        long in = spec.inDim();
        long out = spec.outDim();
        qBias = addParameter("q_bias", ctx.parameter(Init.zeros(), out));
        kBias = addParameter("k_bias", ctx.parameter(Init.zeros(), out));
        vBias = addParameter("v_bias", ctx.parameter(Init.zeros(), out));
        q = addModule((Linear) new LinearSpec("q", in, out).withoutBias().build(ctx));
        k = addModule((Linear) new LinearSpec("k", in, out).withoutBias().build(ctx));
        v = addModule((Linear) new LinearSpec("v", in, out).withoutBias().build(ctx));
        proj = addModule((Linear) new LinearSpec("proj", out, out).withoutBias().build(ctx));
        heads = spec.heads();
    }

    /** softmax(q kᵀ · head_dim^-0.5) v per head, heads concatenated, then proj. */
    public Tensor forward(Tensor queries, Tensor keys, Tensor values) {
        try (Scope s = Scope.open()) {
            long b = queries.size(0);
            long lq = queries.size(1);
            long lk = keys.size(1);
            Tensor qh = heads(Functional.linear(queries, q.weight(), qBias), b, lq);
            Tensor kh = heads(Functional.linear(keys, k.weight(), kBias), b, lk);
            Tensor vh = heads(Functional.linear(values, v.weight(), vBias), b, lk);
            Tensor o = Functional.scaledDotProductAttention(qh, kh, vh, null, false);
            return proj.forward(o.transpose(1, 2).reshape(b, lq, -1)).moveOut();
        }
    }

    /** proj(v(x) + v_bias): the value path alone, per token ([B, N, in] → [B, N, out]). */
    public Tensor projectValues(Tensor x) {
        try (Scope s = Scope.open()) {
            return proj.forward(Functional.linear(x, v.weight(), vBias)).moveOut();
        }
    }

    private Tensor heads(Tensor x, long b, long l) {
        return x.view(b, l, heads, -1).transpose(1, 2);
    }
}
