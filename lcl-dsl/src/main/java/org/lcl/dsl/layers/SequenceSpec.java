package org.lcl.dsl.layers;

import java.util.List;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * Layers applied in order (torch.nn.Sequential). A dotted name such as
 * {@code transformer.resblocks} creates the intermediate modules, so keys come out as
 * {@code transformer.resblocks.0...}.
 */
public record SequenceSpec(String name, List<Spec> layers) implements Spec {

    public SequenceSpec {
        layers = List.copyOf(layers);
    }

    @Override
    public Shape check(Shape input, String path) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        Shape s = input;
        for (Spec layer : layers) {
            if (!layer.name().isEmpty() && !seen.add(layer.name())) {
                throw new ModelDefinitionException(Spec.join(path, layer.name()), "duplicate layer name '" + layer.name() + "' in " + (path.isEmpty() ? "<root>" : path));
            }
            s = layer.check(s, Spec.join(path, layer.name()));
        }
        return s;
    }

    @Override
    public Module build(CompileContext ctx) {
        return Sequential.nest(name, new Sequential(lastSegment(name), layers.stream().map(l -> l.build(ctx)).toList()));
    }

    static String lastSegment(String dotted) {
        return dotted.substring(dotted.lastIndexOf('.') + 1);
    }
}
