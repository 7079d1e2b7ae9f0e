package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * A positional embedding [length, width] added to [B, L, width] inputs, sliced to L ≤ length
 * (the text decoder runs shorter sequences than its context). Learned by default; the fixed
 * 2-D sin-cos form of MAE/OpenCLIP (pos_embed_type "sin_cos_2d") is a frozen parameter.
 */
public record PositionalEmbeddingSpec(String name, long length, long width, Init init, long sinCosGrid, boolean sinCosClassToken)
        implements Spec {

    /** Learned positions with OpenCLIP's vision init width^-0.5 · randn. */
    public static PositionalEmbeddingSpec learned(String name, long length, long width) {
        return new PositionalEmbeddingSpec(name, length, width, Init.normal(Math.pow(width, -0.5)), 0, false);
    }

    public static PositionalEmbeddingSpec learned(String name, long length, long width, Init init) {
        return new PositionalEmbeddingSpec(name, length, width, init, 0, false);
    }

    /** Fixed 2-D sin-cos positions for a grid×grid patch layout, with a zero row first when classToken. */
    public static PositionalEmbeddingSpec sinCos2d(String name, long grid, long width, boolean classToken) {
        return new PositionalEmbeddingSpec(name, grid * grid + (classToken ? 1 : 0), width, Init.zeros(), grid, classToken);
    }

    public boolean isSinCos() {
        return sinCosGrid > 0;
    }

    @Override
    public Shape check(Shape input, String path) {
        String p = path;
        if (name.isEmpty()) {
            throw new ModelDefinitionException(path, "a positional embedding needs a name (its state-dict key)");
        }
        if (length <= 0 || width <= 0) {
            throw new ModelDefinitionException(p, "positional embedding needs positive sizes, got " + length + " x " + width);
        }
        if (isSinCos() && width % 4 != 0) {
            throw new ModelDefinitionException(p, "2-D sin-cos positions need a width divisible by 4, got " + width);
        }
        input.requireLast(width, p, "positional embedding");
        long n = input.dim(1);
        if (n != Shape.ANY && n > length) {
            throw new ModelDefinitionException(p, "sequence of " + n + " tokens is longer than the " + length + " positions");
        }
        return input;
    }

    @Override
    public Module build(CompileContext ctx) {
        return new PositionalEmbedding(this, ctx);
    }
}
