package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.torch.Tensor;

/**
 * Token selection and pooling of [B, N, W] as OpenCLIP's ViT pool_type: FIRST ("tok", the class
 * token) → [B, W]; AVERAGE ("avg", over the tokens after the class token when hasClassToken) →
 * [B, W]; DROP_FIRST (LCL: the patch tokens without the class token) → [B, N−1, W]. No parameters.
 */
public record TokenPoolSpec(String name, Kind kind, boolean hasClassToken) implements Spec {

    /** How tokens are pooled. */
    public enum Kind {
        FIRST, AVERAGE, DROP_FIRST
    }

    @Override
    public Shape check(Shape input, String path) {
        if (kind == Kind.DROP_FIRST && !hasClassToken) {
            throw new ModelDefinitionException(path, "dropping the class token needs a class token");
        }
        if (input.isKnownRank() && input.rank() != 3) {
            throw new ModelDefinitionException(path, "token pooling expects [B, N, W], got " + input);
        }
        if (!input.isKnownRank()) {
            return Shape.unknown();
        }
        return switch (kind) {
            case FIRST, AVERAGE -> Shape.of(input.dim(0), input.dim(2));
            case DROP_FIRST -> Shape.of(input.dim(0), input.dim(1) == Shape.ANY ? Shape.ANY : input.dim(1) - 1, input.dim(2));
        };
    }

    @Override
    public Module build(CompileContext ctx) {
        return new TokenPool(this);
    }

    /** The pooling module. */
    public static final class TokenPool extends Module {
        private final Kind kind;
        private final boolean hasClassToken;

        TokenPool(TokenPoolSpec spec) {
            super(spec.name());
            kind = spec.kind();
            hasClassToken = spec.hasClassToken();
        }

        @Override
        public Tensor forward(Tensor x) {
            return switch (kind) {
                case FIRST -> x.select(1, 0);
                case AVERAGE -> {
                    try (org.lcl.torch.Scope s = org.lcl.torch.Scope.open()) {
                        Tensor t = hasClassToken ? x.narrow(1, 1, x.size(1) - 1) : x;
                        yield t.mean(1, false).moveOut();
                    }
                }
                case DROP_FIRST -> x.narrow(1, 1, x.size(1) - 1);
            };
        }
    }
}
