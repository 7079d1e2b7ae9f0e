package org.lcl.dsl;

import java.util.List;
import java.util.function.IntFunction;

import org.lcl.dsl.layers.AttentionSpec;
import org.lcl.dsl.layers.AttentivePoolSpec;
import org.lcl.dsl.layers.ClassTokenSpec;
import org.lcl.dsl.layers.CrossAttentionSpec;
import org.lcl.dsl.layers.DropoutSpec;
import org.lcl.dsl.layers.EmbeddingSpec;
import org.lcl.dsl.layers.LayerNormSpec;
import org.lcl.dsl.layers.LinearSpec;
import org.lcl.dsl.layers.MlpSpec;
import org.lcl.dsl.layers.PatchDropoutSpec;
import org.lcl.dsl.layers.PatchEmbedSpec;
import org.lcl.dsl.layers.PositionalEmbeddingSpec;
import org.lcl.dsl.layers.ProjectionSpec;
import org.lcl.dsl.layers.RepeatSpec;
import org.lcl.dsl.layers.ResidualBlockSpec;
import org.lcl.dsl.layers.SequenceSpec;
import org.lcl.dsl.layers.TokenPoolSpec;

/**
 * The model-definition DSL: static factories for every building block. Names are the
 * state-dict segments a PyTorch user expects.
 *
 * <pre>{@code
 * Spec visual = Dsl.sequence("visual",
 *     Dsl.patchEmbed("conv1", 3, 768, 32, 224),
 *     Dsl.classToken("class_embedding", 768),
 *     Dsl.learnedPositions("positional_embedding", 50, 768),
 *     Dsl.layerNorm("ln_pre", 768),
 *     Dsl.repeat("transformer.resblocks", 12, i -> Dsl.preLnBlock(768, 12, 4.0)),
 *     Dsl.layerNorm("ln_post", 768),
 *     Dsl.pool(TokenPoolSpec.Kind.FIRST),
 *     Dsl.projection("proj", 768, 512));
 * try (Module m = visual.compile(Device.CPU, DType.FLOAT32)) { ... }
 * }</pre>
 */
public final class Dsl {

    private Dsl() {}

    public static SequenceSpec sequence(String name, Spec... layers) {
        return new SequenceSpec(name, List.of(layers));
    }

    public static SequenceSpec sequence(String name, List<Spec> layers) {
        return new SequenceSpec(name, layers);
    }

    public static RepeatSpec repeat(String name, int count, IntFunction<Spec> block) {
        return new RepeatSpec(name, count, block);
    }

    public static LinearSpec linear(String name, long in, long out) {
        return new LinearSpec(name, in, out);
    }

    public static LayerNormSpec layerNorm(String name, long dim) {
        return new LayerNormSpec(name, dim);
    }

    public static EmbeddingSpec embedding(String name, long num, long dim, Init init) {
        return new EmbeddingSpec(name, num, dim, init);
    }

    public static PatchEmbedSpec patchEmbed(String name, long inChannels, long width, long patchSize, long imageSize) {
        return new PatchEmbedSpec(name, inChannels, width, patchSize, imageSize);
    }

    public static ClassTokenSpec classToken(String name, long width) {
        return new ClassTokenSpec(name, width);
    }

    public static PositionalEmbeddingSpec learnedPositions(String name, long length, long width) {
        return PositionalEmbeddingSpec.learned(name, length, width);
    }

    public static PositionalEmbeddingSpec learnedPositions(String name, long length, long width, Init init) {
        return PositionalEmbeddingSpec.learned(name, length, width, init);
    }

    public static PositionalEmbeddingSpec sinCos2dPositions(String name, long grid, long width, boolean classToken) {
        return PositionalEmbeddingSpec.sinCos2d(name, grid, width, classToken);
    }

    public static ProjectionSpec projection(String name, long in, long out) {
        return new ProjectionSpec(name, in, out);
    }

    public static AttentionSpec attention(String name, long width, long heads, boolean causal) {
        return new AttentionSpec(name, width, heads, causal);
    }

    public static MlpSpec mlp(String name, long width, long hidden, MlpSpec.Activation activation) {
        return new MlpSpec(name, width, hidden, activation);
    }

    /** OpenCLIP's pre-LN residual attention block (exact GELU, not causal), named by its index in a repeat. */
    public static ResidualBlockSpec preLnBlock(long width, long heads, double mlpRatio) {
        return ResidualBlockSpec.preLn("", width, heads, mlpRatio, MlpSpec.Activation.GELU, false);
    }

    public static ResidualBlockSpec preLnBlock(long width, long heads, double mlpRatio, MlpSpec.Activation act, boolean causal) {
        return ResidualBlockSpec.preLn("", width, heads, mlpRatio, act, causal);
    }

    public static DropoutSpec dropout(double p) {
        return new DropoutSpec("", p);
    }

    public static PatchDropoutSpec patchDropout(double p) {
        return new PatchDropoutSpec("patch_dropout", p, true);
    }

    public static TokenPoolSpec pool(TokenPoolSpec.Kind kind) {
        return new TokenPoolSpec("", kind, true);
    }

    public static CrossAttentionSpec crossAttention(String name, long inDim, long outDim, long heads) {
        return new CrossAttentionSpec(name, inDim, outDim, heads);
    }

    /** LCL's attentive pooling projection: query_token + pooler {norm1_q, norm1_k, norm1_v, cross_attn}. */
    public static AttentivePoolSpec attentivePool(String name, long inDim, long outDim, long heads) {
        return new AttentivePoolSpec(name, inDim, outDim, heads);
    }
}
