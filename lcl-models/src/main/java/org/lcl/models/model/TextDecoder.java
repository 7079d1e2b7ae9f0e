package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.dsl.layers.Embedding;
import org.lcl.dsl.layers.LayerNorm;
import org.lcl.models.config.TextConfig;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * The text tower (see {@link TextDecoderSpec}): a causal transformer over embeddings. In LCL it
 * is the decoder over interleaved sequences ({@link #forwardEmbeddings} → outputs [B, L, W]);
 * in CLIP the text encoder ({@link #encode}).
 */
public final class TextDecoder extends Module {

    private final TextConfig cfg;
    private final Embedding tokenEmbedding;
    private final Module positionalEmbedding;
    private final Module transformer;
    private final LayerNorm lnFinal;
    private final Module textProjection;

    TextDecoder(TextDecoderSpec spec, CompileContext ctx) {
        super(spec.name());
        cfg = spec.cfg();
        tokenEmbedding = (Embedding) spec.tokenEmbedding().build(ctx);
        positionalEmbedding = spec.positionalEmbedding().build(ctx);
        transformer = spec.transformer().build(ctx);
        lnFinal = (LayerNorm) spec.lnFinal().build(ctx);
        textProjection = spec.textProjection().build(ctx);
        // Registration order is OpenCLIP's: TextTransformer registers token_embedding first;
        // CLIP takes transformer, then token_embedding, positional_embedding, ln_final, text_projection.
        if (spec.clipLayout()) {
            addModule(transformer);
            addModule(tokenEmbedding);
        } else {
            addModule(tokenEmbedding);
            addModule(transformer);
        }
        addModule(positionalEmbedding);
        addModule(lnFinal);
        addModule(textProjection);
    }

    public TextConfig config() {
        return cfg;
    }

    public long width() {
        return cfg.width();
    }

    public long contextLength() {
        return cfg.contextLength();
    }

    public Embedding tokenEmbedding() {
        return tokenEmbedding;
    }

    /** Token embeddings of ids [B, L] → [B, L, W]. */
    public Tensor embed(Tensor ids) {
        return tokenEmbedding.forward(ids);
    }

    /** Positional embedding (sliced to L) then the causal blocks: [B, L, W] → outputs [B, L, W]. */
    public Tensor forwardEmbeddings(Tensor x) {
        long l = x.size(1);
        if (l > cfg.contextLength()) {
            throw new IllegalArgumentException(pathOrText() + ": sequence length " + l + " exceeds context_length " + cfg.contextLength());
        }
        try (Scope s = Scope.open()) {
            return transformer.forward(positionalEmbedding.forward(x)).moveOut();
        }
    }

    /** The decoder outputs for token ids [B, L] → [B, L, W]. */
    @Override
    public Tensor forward(Tensor ids) {
        try (Scope s = Scope.open()) {
            return forwardEmbeddings(embed(ids)).moveOut();
        }
    }

    /** ln_final. */
    public Tensor finalNorm(Tensor x) {
        return lnFinal.forward(x);
    }

    /** text_projection: [..., W] → [..., embed_dim]. */
    public Tensor project(Tensor x) {
        return textProjection.forward(x);
    }

    /** ln_final then text_projection (LCL's contrastive text features, before normalisation). */
    public Tensor features(Tensor outputs) {
        try (Scope s = Scope.open()) {
            return project(finalNorm(outputs)).moveOut();
        }
    }

    /**
     * CLIP's text encoder: outputs pooled per pool_type ("argmax": at the highest id, the eot
     * token), ln_final before or after pooling per final_ln_after_pool, then text_projection →
     * [B, embed_dim] ([B, L, embed_dim] for "none").
     */
    public Tensor encode(Tensor ids) {
        try (Scope s = Scope.open()) {
            Tensor x = forward(ids);
            Tensor pooled = cfg.finalLnAfterPool() ? finalNorm(pool(x, ids)) : pool(finalNorm(x), ids);
            return project(pooled).moveOut();
        }
    }

    private Tensor pool(Tensor x, Tensor ids) {
        long b = x.size(0);
        long w = x.size(2);
        return switch (cfg.poolType()) {
            case "argmax" -> x.gather(1, ids.argmax(-1, false).view(b, 1, 1).expand(b, 1, w)).squeeze(1);
            case "first" -> x.select(1, 0);
            case "last" -> x.select(1, x.size(1) - 1);
            default -> x.share();
        };
    }

    private String pathOrText() {
        return path().isEmpty() ? "text" : path();
    }
}
