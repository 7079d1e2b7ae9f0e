package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** A bare projection matrix [in, out] applied as {@code x @ P} (OpenCLIP's visual.proj and text_projection). */
public record ProjectionSpec(String name, long inFeatures, long outFeatures, Init init) implements Spec {

    /** OpenCLIP's init: in^-0.5 · randn. */
    public ProjectionSpec(String name, long inFeatures, long outFeatures) {
        this(name, inFeatures, outFeatures, Init.normal(Math.pow(inFeatures, -0.5)));
    }

    @Override
    public Shape check(Shape input, String path) {
        if (name.isEmpty()) {
            throw new ModelDefinitionException(path, "a projection needs a name (its state-dict key)");
        }
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new ModelDefinitionException(path, "projection needs positive sizes, got " + inFeatures + " x " + outFeatures);
        }
        input.requireLast(inFeatures, path, "projection");
        return input.withLast(outFeatures);
    }

    @Override
    public Module build(CompileContext ctx) {
        return new Projection(this, ctx);
    }
}
