package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** Pre-LN transformer block with optional layer scale. */
public final class ResidualAttentionBlock extends Module {

    private final LayerNorm ln1;
    private final Module attn;
    private final Tensor ls1;
    private final LayerNorm ln2;
    private final Module mlp;
    private final Tensor ls2;

    ResidualAttentionBlock(ResidualBlockSpec spec, CompileContext ctx) {
        super(spec.name());
        ln1 = addModule((LayerNorm) new LayerNormSpec("ln_1", spec.width()).build(ctx));
        attn = addModule(spec.attention().build(ctx));
        ls1 = spec.lsInitValue() > 0 ? addModule(new LayerScale("ls_1", ctx.parameter(spec.layerScaleInit(), spec.width()))).gamma : null;
        ln2 = addModule((LayerNorm) new LayerNormSpec("ln_2", spec.width()).build(ctx));
        mlp = addModule(spec.mlp().build(ctx));
        ls2 = spec.lsInitValue() > 0 ? addModule(new LayerScale("ls_2", ctx.parameter(spec.layerScaleInit(), spec.width()))).gamma : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /** With an attention mask passed to a {@link MultiheadAttention} (additive or boolean), or null. */
    public Tensor forward(Tensor x, Tensor attnMask) {
        try (Scope s = Scope.open()) {
            Tensor h = ln1.forward(x);
            Tensor a = attnMask == null ? attn.forward(h) : ((MultiheadAttention) attn).forward(h, attnMask);
            x = x.add(ls1 == null ? a : a.mul(ls1));
            Tensor m = mlp.forward(ln2.forward(x));
            return x.add(ls2 == null ? m : m.mul(ls2)).moveOut();
        }
    }

    /** OpenCLIP's LayerScale: a per-channel gain named gamma. */
    private static final class LayerScale extends Module {
        final Tensor gamma;

        LayerScale(String name, Tensor gamma) {
            super(name);
            this.gamma = addParameter("gamma", gamma);
        }
    }
}
