package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.Module;
import org.lcl.torch.DType;
import org.lcl.torch.Functional;
import org.lcl.torch.Tensor;

/**
 * torch.nn.LayerNorm over the last dimension. Like OpenCLIP's LayerNorm subclass, a lower
 * precision input is normalised in float32 and cast back.
 */
public final class LayerNorm extends Module {

    private final Tensor weight;
    private final Tensor bias;
    private final long[] normalizedShape;
    private final double eps;

    LayerNorm(LayerNormSpec spec, CompileContext ctx) {
        super(spec.name());
        weight = addParameter("weight", ctx.parameter(Init.ones(), spec.dim()));
        bias = addParameter("bias", ctx.parameter(Init.zeros(), spec.dim()));
        normalizedShape = new long[] {spec.dim()};
        eps = spec.eps();
    }

    @Override
    public Tensor forward(Tensor x) {
        DType d = x.dtype();
        if (d == DType.FLOAT32 || d == DType.FLOAT64) {
            return Functional.layerNorm(x, normalizedShape, weight, bias, eps);
        }
        try (org.lcl.torch.Scope s = org.lcl.torch.Scope.open()) {
            return Functional.layerNorm(x.to(DType.FLOAT32), normalizedShape, weight.to(DType.FLOAT32), bias.to(DType.FLOAT32), eps)
                    .to(d).moveOut();
        }
    }
}
