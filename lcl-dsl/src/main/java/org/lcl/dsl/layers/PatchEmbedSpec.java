package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;

/**
 * ViT patch embedding as OpenCLIP's {@code conv1}: Conv2d(inChannels, width, kernel = stride =
 * patchSize, no bias), flattened to tokens [B, grid², width]. imageSize 0 leaves it to the input.
 */
public record PatchEmbedSpec(String name, long inChannels, long width, long patchSize, long imageSize) implements Spec {

    public long gridSize() {
        return imageSize / patchSize;
    }

    @Override
    public Shape check(Shape input, String path) {
        if (inChannels <= 0 || width <= 0 || patchSize <= 0 || imageSize < 0) {
            throw new ModelDefinitionException(path, "patch embedding needs positive channels, width and patch size, got "
                    + inChannels + ", " + width + ", " + patchSize);
        }
        long size = imageSize;
        if (input.isKnownRank()) {
            if (input.rank() != 4) {
                throw new ModelDefinitionException(path, "patch embedding expects images [B, C, H, W], got " + input);
            }
            if (input.dim(1) != Shape.ANY && input.dim(1) != inChannels) {
                throw new ModelDefinitionException(path, "patch embedding expects " + inChannels + " channels, got input " + input);
            }
            if (input.dim(2) != input.dim(3)) {
                throw new ModelDefinitionException(path, "patch embedding expects square images, got " + input);
            }
            size = input.dim(2) == Shape.ANY ? size : input.dim(2);
        }
        if (size > 0 && size % patchSize != 0) {
            throw new ModelDefinitionException(path, "image size " + size + " is not divisible by patch size " + patchSize);
        }
        long tokens = size > 0 ? (size / patchSize) * (size / patchSize) : Shape.ANY;
        return Shape.of(Shape.ANY, tokens, width);
    }

    @Override
    public Module build(CompileContext ctx) {
        return new PatchEmbed(this, ctx);
    }

    Init weightInit() {
        return Init.pytorchDefault(inChannels * patchSize * patchSize);
    }
}
