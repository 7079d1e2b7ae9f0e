package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Tensor;

/** {@code x @ P}. Transparent: the matrix is its parent's parameter. */
public final class Projection extends Module {

    private final Tensor matrix;

    Projection(ProjectionSpec spec, CompileContext ctx) {
        super("");
        matrix = addParameter(spec.name(), ctx.parameter(spec.init(), spec.inFeatures(), spec.outFeatures()));
    }

    public Tensor matrix() {
        return matrix;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.matmul(matrix);
    }
}
