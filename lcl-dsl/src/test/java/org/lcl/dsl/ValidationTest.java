package org.lcl.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lcl.torch.DType;
import org.lcl.torch.Device;

/** compile() checks hyperparameters and shapes before allocating; messages name the layer path and numbers. */
class ValidationTest {

    private static String error(Spec spec) {
        return assertThrows(ModelDefinitionException.class, () -> spec.compile(Device.CPU, DType.FLOAT32)).getMessage();
    }

    @Test
    void headsMustDivideWidth() {
        Spec vit = Dsl.sequence("visual", Dsl.repeat("transformer.resblocks", 6, i -> Dsl.preLnBlock(i == 3 ? 770 : 768, 12, 4.0)));
        // Block 3 first meets a 768-wide input: the check names the block and the numbers.
        String m = error(Dsl.sequence("visual", Dsl.repeat("transformer.resblocks", 4, i -> Dsl.preLnBlock(770, 12, 4.0))));
        assertEquals("visual.transformer.resblocks.0.attn: width 770 is not divisible by 12 heads", m);
        assertEquals("visual.transformer.resblocks.3: residual block expects last dimension 770, got input of shape [*, *, 768]",
                error(Dsl.sequence("visual", Dsl.patchEmbed("conv1", 3, 768, 16, 0),
                        Dsl.repeat("transformer.resblocks", 6, i -> Dsl.preLnBlock(i == 3 ? 770 : 768, i == 3 ? 10 : 12, 4.0)))));
        assertThrows(ModelDefinitionException.class, () -> vit.compile(Device.CPU, DType.FLOAT32));
    }

    @Test
    void imageSizeMustBeDivisibleByPatchSize() {
        assertEquals("visual.conv1: image size 225 is not divisible by patch size 32",
                error(Dsl.sequence("visual", Dsl.patchEmbed("conv1", 3, 768, 32, 225))));
    }

    @Test
    void shapesAreCheckedAlongTheSequence() {
        assertEquals("visual.positional_embedding: sequence of 50 tokens is longer than the 49 positions",
                error(Dsl.sequence("visual", Dsl.patchEmbed("conv1", 3, 64, 32, 224), Dsl.classToken("class_embedding", 64),
                        Dsl.learnedPositions("positional_embedding", 49, 64))));
        assertEquals("head.fc: linear layer expects last dimension 32, got input of shape [..., 64]",
                error(Dsl.sequence("head", Dsl.linear("in", 16, 64), Dsl.linear("fc", 32, 8))));
        assertEquals("net.a: duplicate layer name 'a' in net",
                error(Dsl.sequence("net", Dsl.linear("a", 4, 4), Dsl.linear("a", 4, 4))));
    }

    @Test
    void badHyperparametersAreRejected() {
        assertEquals("d: dropout probability must be in [0, 1), got 1.5", error(new org.lcl.dsl.layers.DropoutSpec("d", 1.5)));
        assertEquals("p: 2-D sin-cos positions need a width divisible by 4, got 6",
                error(Dsl.sequence("", Dsl.sinCos2dPositions("p", 2, 6, false))));
        assertThrows(IllegalArgumentException.class, () -> Dsl.linear("l", 2, 2).compile(Device.CPU, DType.INT64));
    }
}
