package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** torch.nn.Linear: weight [out, in], optional bias [out]; PyTorch's default initialisation unless given. */
public record LinearSpec(String name, long inFeatures, long outFeatures, boolean bias, Init weightInit, Init biasInit)
        implements Spec {

    public LinearSpec(String name, long inFeatures, long outFeatures) {
        this(name, inFeatures, outFeatures, true, Init.pytorchDefault(inFeatures), Init.pytorchDefault(inFeatures));
    }

    public LinearSpec withoutBias() {
        return new LinearSpec(name, inFeatures, outFeatures, false, weightInit, biasInit);
    }

    public LinearSpec withInit(Init weight, Init biasInit) {
        return new LinearSpec(name, inFeatures, outFeatures, bias, weight, biasInit);
    }

    @Override
    public Shape check(Shape input, String path) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new ModelDefinitionException(path, "linear features must be positive, got in " + inFeatures + ", out " + outFeatures);
        }
        input.requireLast(inFeatures, path, "linear layer");
        return input.withLast(outFeatures);
    }

    @Override
    public Module build(CompileContext ctx) {
        return new Linear(this, ctx);
    }
}
