package org.lcl.dsl.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** n layers made by block(i), registered as children "0" .. "n-1" and applied in order. */
public record RepeatSpec(String name, int count, IntFunction<Spec> block) implements Spec {

    @Override
    public Shape check(Shape input, String path) {
        if (count < 0) {
            throw new ModelDefinitionException(path, "repeat count must be >= 0, got " + count);
        }
        Shape s = input;
        for (int i = 0; i < count; i++) {
            s = block.apply(i).check(s, Spec.join(path, Integer.toString(i)));
        }
        return s;
    }

    @Override
    public Module build(CompileContext ctx) {
        List<Module> blocks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            blocks.add(block.apply(i).build(ctx));
        }
        Sequential seq = new Sequential(SequenceSpec.lastSegment(name), blocks, true);
        return Sequential.nest(name, seq);
    }
}
