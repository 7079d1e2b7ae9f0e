package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.torch.DType;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * OpenCLIP's PatchDropout (https://arxiv.org/abs/2212.00794): in training, keeps a random
 * max(1, int(N·(1−p))) of the N patch tokens of each sample, the class token (first) always
 * kept when excludeFirstToken. Identity in eval mode or with p = 0.
 */
public record PatchDropoutSpec(String name, double p, boolean excludeFirstToken) implements Spec {

    @Override
    public Shape check(Shape input, String path) {
        if (p < 0 || p >= 1) {
            throw new ModelDefinitionException(path, "patch dropout probability must be in [0, 1), got " + p);
        }
        return p == 0 || !input.isKnownRank() ? input : Shape.of(input.dim(0), Shape.ANY, input.dim(-1));
    }

    @Override
    public Module build(CompileContext ctx) {
        return new PatchDropout(this);
    }

    /** The patch dropout module. */
    public static final class PatchDropout extends Module {
        private final double p;
        private final boolean excludeFirst;

        PatchDropout(PatchDropoutSpec spec) {
            super(spec.name());
            p = spec.p();
            excludeFirst = spec.excludeFirstToken();
        }

        @Override
        public Tensor forward(Tensor x) {
            if (!isTraining() || p == 0) {
                return x.share();
            }
            try (Scope s = Scope.open()) {
                Tensor cls = null;
                Tensor tokens = x;
                if (excludeFirst) {
                    cls = x.narrow(1, 0, 1);
                    tokens = x.narrow(1, 1, x.size(1) - 1);
                }
                long b = tokens.size(0);
                long n = tokens.size(1);
                long keep = Math.max(1, (long) (n * (1 - p)));
                Tensor idx = Torch.randn(TensorOptions.of(DType.FLOAT32, x.device()), b, n).topk(keep, -1, true, true).indices();
                Tensor kept = tokens.gather(1, idx.unsqueeze(-1).expand(b, keep, tokens.size(2)));
                return (cls == null ? kept : Torch.cat(java.util.List.of(cls, kept), 1)).moveOut();
            }
        }
    }
}
