package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** OpenCLIP's transformer MLP: c_fc (width → hidden) → activation → c_proj (hidden → width). */
public record MlpSpec(String name, long width, long hidden, Activation activation, Init fcInit, Init projInit) implements Spec {

    /** The MLP's nonlinearity: PyTorch's exact GELU, its tanh approximation, or OpenAI's QuickGELU. */
    public enum Activation {
        GELU, GELU_TANH, QUICK_GELU
    }

    public MlpSpec(String name, long width, long hidden, Activation activation) {
        this(name, width, hidden, activation, Init.pytorchDefault(width), Init.pytorchDefault(hidden));
    }

    public MlpSpec withInit(Init fc, Init proj) {
        return new MlpSpec(name, width, hidden, activation, fc, proj);
    }

    @Override
    public Shape check(Shape input, String path) {
        if (width <= 0 || hidden <= 0) {
            throw new ModelDefinitionException(path, "MLP needs positive width and hidden size, got " + width + ", " + hidden);
        }
        input.requireLast(width, path, "MLP");
        return input;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new Mlp(this, ctx);
    }
}
