package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Functional;
import org.lcl.torch.Tensor;

/** torch.nn.Embedding: rows of weight selected by integer ids. */
public final class Embedding extends Module {

    private final Tensor weight;

    Embedding(EmbeddingSpec spec, CompileContext ctx) {
        super(spec.name());
        weight = addParameter("weight", ctx.parameter(spec.init(), spec.numEmbeddings(), spec.dim()));
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor ids) {
        return Functional.embedding(weight, ids);
    }
}
