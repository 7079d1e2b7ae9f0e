package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** Conv2d patchify (no bias) then [B, W, g, g] → [B, g², W]. */
public final class PatchEmbed extends Module {

    private final Tensor weight;
    private final long patchSize;

    PatchEmbed(PatchEmbedSpec spec, CompileContext ctx) {
        super(spec.name());
        weight = addParameter("weight", ctx.parameter(spec.weightInit(), spec.width(), spec.inChannels(), spec.patchSize(), spec.patchSize()));
        patchSize = spec.patchSize();
    }

    @Override
    public Tensor forward(Tensor images) {
        try (Scope s = Scope.open()) {
            Tensor x = Functional.conv2d(images, weight, null, patchSize, 0);
            return x.flatten(2, 3).transpose(1, 2).moveOut();
        }
    }
}
