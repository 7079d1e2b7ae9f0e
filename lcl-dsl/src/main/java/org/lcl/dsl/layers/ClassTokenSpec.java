package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** A learned token [width] prepended to every sequence; the parameter's key is the spec's name (e.g. class_embedding). */
public record ClassTokenSpec(String name, long width, Init init) implements Spec {

    /** OpenCLIP's init: width^-0.5 · randn. */
    public ClassTokenSpec(String name, long width) {
        this(name, width, Init.normal(Math.pow(width, -0.5)));
    }

    @Override
    public Shape check(Shape input, String path) {
        if (name.isEmpty()) {
            throw new ModelDefinitionException(path, "a class token needs a name (its state-dict key)");
        }
        input.requireLast(width, path, "class token");
        if (!input.isKnownRank()) {
            return input;
        }
        long n = input.dim(1);
        return Shape.of(input.dim(0), n == Shape.ANY ? Shape.ANY : n + 1, width);
    }

    @Override
    public Module build(CompileContext ctx) {
        return new ClassToken(this, ctx);
    }
}
