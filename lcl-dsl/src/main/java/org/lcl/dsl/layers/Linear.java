package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Functional;
import org.lcl.torch.Tensor;

/** torch.nn.Linear: {@code x @ weight.T + bias}. */
public final class Linear extends Module {

    private final Tensor weight;
    private final Tensor bias;

    Linear(LinearSpec spec, CompileContext ctx) {
        super(spec.name());
        weight = addParameter("weight", ctx.parameter(spec.weightInit(), spec.outFeatures(), spec.inFeatures()));
        bias = spec.bias() ? addParameter("bias", ctx.parameter(spec.biasInit(), spec.outFeatures())) : null;
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.linear(x, weight, bias);
    }
}
