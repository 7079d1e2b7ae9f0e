package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.torch.Functional;
import org.lcl.torch.Tensor;

/** torch.nn.Dropout(p): active only in training mode. No parameters. */
public record DropoutSpec(String name, double p) implements Spec {

    @Override
    public Shape check(Shape input, String path) {
        if (p < 0 || p >= 1) {
            throw new ModelDefinitionException(path, "dropout probability must be in [0, 1), got " + p);
        }
        return input;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new Dropout(name, p);
    }

    /** The dropout module. */
    public static final class Dropout extends Module {
        private final double p;

        Dropout(String name, double p) {
            super(name);
            this.p = p;
        }

        @Override
        public Tensor forward(Tensor x) {
            return p == 0 || !isTraining() ? x.share() : Functional.dropout(x, p, true);
        }
    }
}
