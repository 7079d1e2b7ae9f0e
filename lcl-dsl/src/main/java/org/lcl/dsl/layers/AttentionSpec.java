package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * Multi-head self-attention with torch.nn.MultiheadAttention's parameters (OpenCLIP's layout):
 * fused {@code in_proj_weight [3w, w]} (q, k, v stacked), {@code in_proj_bias [3w]}, and
 * {@code out_proj} Linear(w, w). Batch-first inputs [B, L, w]; optionally causal.
 * Default init is PyTorch's: xavier-uniform in_proj, zero biases, Linear default out_proj weight.
 */
public record AttentionSpec(String name, long width, long heads, boolean causal, double dropout, Init inProjInit, Init outProjInit)
        implements Spec {

    public AttentionSpec(String name, long width, long heads, boolean causal) {
        this(name, width, heads, causal, 0.0, xavierUniform(3 * width, width), Init.pytorchDefault(width));
    }

    public AttentionSpec withInit(Init inProj, Init outProj) {
        return new AttentionSpec(name, width, heads, causal, dropout, inProj, outProj);
    }

    static Init xavierUniform(long fanOut, long fanIn) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        return new Init.Uniform(-bound, bound);
    }

    @Override
    public Shape check(Shape input, String path) {
        if (width <= 0 || heads <= 0) {
            throw new ModelDefinitionException(path, "attention needs positive width and heads, got width " + width + ", heads " + heads);
        }
        if (width % heads != 0) {
            throw new ModelDefinitionException(path, "width " + width + " is not divisible by " + heads + " heads");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new ModelDefinitionException(path, "attention dropout must be in [0, 1), got " + dropout);
        }
        input.requireLast(width, path, "attention");
        return input;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new MultiheadAttention(this, ctx);
    }
}
