package org.lcl.dsl.layers;

import java.util.List;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** Prepends a learned token: [B, N, W] → [B, N + 1, W]. Transparent: its parameter is its parent's. */
public final class ClassToken extends Module {

    private final Tensor token;

    ClassToken(ClassTokenSpec spec, CompileContext ctx) {
        super("");
        token = addParameter(spec.name(), ctx.parameter(spec.init(), spec.width()));
    }

    @Override
    public Tensor forward(Tensor x) {
        try (Scope s = Scope.open()) {
            long b = x.size(0);
            long w = x.size(2);
            Tensor cls = token.to(x.dtype()).view(1, 1, w).expand(b, 1, w);
            return Torch.cat(List.of(cls, x), 1).moveOut();
        }
    }
}
