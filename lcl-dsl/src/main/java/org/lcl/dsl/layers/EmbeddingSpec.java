package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/** torch.nn.Embedding: weight [num, dim], N(0, 1) by default (OpenCLIP's token embedding uses std 0.02). */
public record EmbeddingSpec(String name, long numEmbeddings, long dim, Init init) implements Spec {

    public EmbeddingSpec(String name, long numEmbeddings, long dim) {
        this(name, numEmbeddings, dim, Init.normal(1.0));
    }

    @Override
    public Shape check(Shape input, String path) {
        if (numEmbeddings <= 0 || dim <= 0) {
            throw new ModelDefinitionException(path, "embedding needs positive sizes, got " + numEmbeddings + " x " + dim);
        }
        if (!input.isKnownRank()) {
            return Shape.unknown();
        }
        long[] d = java.util.Arrays.copyOf(input.dims(), input.rank() + 1);
        d[d.length - 1] = dim;
        return Shape.of(d);
    }

    @Override
    public Module build(CompileContext ctx) {
        return new Embedding(this, ctx);
    }
}
