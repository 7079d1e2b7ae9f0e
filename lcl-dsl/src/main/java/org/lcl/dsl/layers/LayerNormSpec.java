package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** torch.nn.LayerNorm over the last dimension: weight 1, bias 0, eps 1e-5 by default. */
public record LayerNormSpec(String name, long dim, double eps) implements Spec {

    public LayerNormSpec(String name, long dim) {
        this(name, dim, 1e-5);
    }

    @Override
    public Shape check(Shape input, String path) {
        if (dim <= 0) {
            throw new ModelDefinitionException(path, "layer norm dimension must be positive, got " + dim);
        }
        if (!(eps > 0)) {
            throw new ModelDefinitionException(path, "layer norm eps must be positive, got " + eps);
        }
        input.requireLast(dim, path, "layer norm");
        return input;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new LayerNorm(this, ctx);
    }
}
