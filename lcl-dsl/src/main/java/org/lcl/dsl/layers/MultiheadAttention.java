package org.lcl.dsl.layers;

import java.util.List;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.Module;
import org.lcl.torch.DType;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/** Batch-first multi-head self-attention with PyTorch's fused in-projection. */
public final class MultiheadAttention extends Module {

    private final Tensor inProjWeight;
    private final Tensor inProjBias;
    private final Linear outProj;
    private final long heads;
    private final boolean causal;
    private final double dropout;

    MultiheadAttention(AttentionSpec spec, CompileContext ctx) {
        super(spec.name());
        long w = spec.width();
        inProjWeight = addParameter("in_proj_weight", ctx.parameter(spec.inProjInit(), 3 * w, w));
        inProjBias = addParameter("in_proj_bias", ctx.parameter(Init.zeros(), 3 * w));
        outProj = addModule((Linear) new LinearSpec("out_proj", w, w, true, spec.outProjInit(), Init.zeros()).build(ctx));
        heads = spec.heads();
        causal = spec.causal();
        dropout = spec.dropout();
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /** Self-attention over x [B, L, W]; attnMask is additive float or boolean (true = attend), or null. */
    public Tensor forward(Tensor x, Tensor attnMask) {
        try (Scope s = Scope.open()) {
            long b = x.size(0);
            long l = x.size(1);
            long w = x.size(2);
            long d = w / heads;
            List<Tensor> qkv = Functional.linear(x, inProjWeight, inProjBias).chunk(3, -1);
            Tensor q = qkv.get(0).view(b, l, heads, d).transpose(1, 2);
            Tensor k = qkv.get(1).view(b, l, heads, d).transpose(1, 2);
            Tensor v = qkv.get(2).view(b, l, heads, d).transpose(1, 2);
            Tensor mask = attnMask;
            boolean isCausal = causal && attnMask == null;
            if (causal && attnMask != null) {
                Tensor future = Torch.full(Double.NEGATIVE_INFINITY, TensorOptions.of(x.dtype(), x.device()), l, l).triu(1);
                mask = attnMask.dtype() == DType.BOOL
                        ? future.maskedFill(attnMask.logicalNot(), Double.NEGATIVE_INFINITY) : future.add(attnMask);
            }
            Tensor o = Functional.scaledDotProductAttention(q, k, v, mask, isTraining() ? dropout : 0.0, isCausal, 0.0);
            return outProj.forward(o.transpose(1, 2).reshape(b, l, w)).moveOut();
        }
    }
}
