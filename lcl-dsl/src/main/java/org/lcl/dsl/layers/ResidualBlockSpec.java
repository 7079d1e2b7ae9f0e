package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * OpenCLIP's pre-LN ResidualAttentionBlock: {@code x + ls_1(attn(ln_1(x)))}, then
 * {@code x + ls_2(mlp(ln_2(x)))}. The attention and MLP are any specs named {@code attn} and
 * {@code mlp}; layer scale ({@code ls_1.gamma}, {@code ls_2.gamma}) when lsInitValue > 0.
 */
public record ResidualBlockSpec(String name, long width, Spec attention, Spec mlp, double lsInitValue) implements Spec {

    /** The standard block: attention with width/heads and an MLP of mlpRatio·width with the activation. */
    public static ResidualBlockSpec preLn(String name, long width, long heads, double mlpRatio, MlpSpec.Activation act, boolean causal) {
        return new ResidualBlockSpec(name, width, new AttentionSpec("attn", width, heads, causal),
                new MlpSpec("mlp", width, Math.round(width * mlpRatio), act), 0.0);
    }

    public ResidualBlockSpec withLayerScale(double initValue) {
        return new ResidualBlockSpec(name, width, attention, mlp, initValue);
    }

    @Override
    public Shape check(Shape input, String path) {
        if (width <= 0) {
            throw new ModelDefinitionException(path, "residual block needs a positive width, got " + width);
        }
        input.requireLast(width, path, "residual block");
        Shape a = attention.check(input, Spec.join(path, attention.name()));
        if (a.isKnownRank() && input.isKnownRank() && a.dim(-1) != width) {
            throw new ModelDefinitionException(Spec.join(path, attention.name()), "attention output width " + a.dim(-1) + " differs from the block's " + width);
        }
        Shape m = mlp.check(input, Spec.join(path, mlp.name()));
        if (m.isKnownRank() && m.dim(-1) != Shape.ANY && m.dim(-1) != width) {
            throw new ModelDefinitionException(Spec.join(path, mlp.name()), "MLP output width " + m.dim(-1) + " differs from the block's " + width);
        }
        return input;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new ResidualAttentionBlock(this, ctx);
    }

    Init layerScaleInit() {
        return Init.constant(lsInitValue);
    }
}
