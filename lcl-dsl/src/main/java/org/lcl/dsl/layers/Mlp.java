package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.Module;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** c_fc → activation → c_proj. */
public final class Mlp extends Module {

    private final Linear fc;
    private final Linear proj;
    private final MlpSpec.Activation activation;

    Mlp(MlpSpec spec, CompileContext ctx) {
        super(spec.name());
        fc = addModule((Linear) new LinearSpec("c_fc", spec.width(), spec.hidden()).withInit(spec.fcInit(), Init.pytorchDefault(spec.width())).build(ctx));
        proj = addModule((Linear) new LinearSpec("c_proj", spec.hidden(), spec.width()).withInit(spec.projInit(), Init.pytorchDefault(spec.hidden())).build(ctx));
        activation = spec.activation();
    }

    @Override
    public Tensor forward(Tensor x) {
        try (Scope s = Scope.open()) {
            Tensor h = fc.forward(x);
            Tensor a = switch (activation) {
                case GELU -> Functional.gelu(h, false);
                case GELU_TANH -> Functional.gelu(h, true);
                case QUICK_GELU -> Functional.quickGelu(h);
            };
            return proj.forward(a).moveOut();
        }
    }
}
