package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.DType;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * OpenCLIP's CLIP (the baseline). State dict in OpenCLIP's order: for CLIP
 * {@code positional_embedding}, {@code text_projection}, {@code logit_scale}, {@code visual.*},
 * {@code transformer.*}, {@code token_embedding.weight}, {@code ln_final.*}; for CustomTextCLIP
 * ({@code custom_text}) {@code logit_scale}, {@code visual.*}, {@code text.*}. No
 * {@code attn_mask}: the causal mask is the attention's flag, not a buffer.
 */
public final class ClipModel extends ImageTextModel {

    private final LogitScale scalars;
    private final Module visual;
    private final TextDecoder text;

    ClipModel(ClipModelSpec spec, CompileContext ctx) {
        super(spec.cfg());
        Module v = spec.visual().build(ctx);
        TextDecoder t = (TextDecoder) spec.text().build(ctx);
        LogitScale s = (LogitScale) spec.scalars().build(ctx);
        if (spec.cfg().customText()) {
            scalars = addModule(s);
            visual = addModule(v);
            text = addModule(t);
        } else {
            // CLIP registers visual, the text modules, then logit_scale: its own parameters come out
            // as positional_embedding, text_projection, logit_scale.
            visual = addModule(v);
            text = addModule(t);
            scalars = addModule(s);
        }
    }

    @Override
    public Module visual() {
        return visual;
    }

    @Override
    public TextDecoder text() {
        return text;
    }

    @Override
    public Tensor logitScale() {
        return scalars.scale;
    }

    @Override
    public Tensor logitBias() {
        return scalars.bias;
    }

    /** Pooled, projected image features [B, D]. */
    @Override
    public Tensor encodeImage(Tensor images, boolean normalize) {
        try (Scope s = Scope.open()) {
            Tensor f = visual.forward(images);
            return (normalize ? Functional.normalize(f.to(DType.FLOAT32)) : f).moveOut();
        }
    }

    /** Text features [B, D], pooled per text pool_type (argmax: at the eot token). */
    @Override
    public Tensor encodeText(Tensor ids, boolean normalize) {
        try (Scope s = Scope.open()) {
            Tensor f = text.encode(ids);
            return (normalize ? Functional.normalize(f.to(DType.FLOAT32)) : f).moveOut();
        }
    }

    /** Normalised image and text features with exp(logit_scale) (and logit_bias). */
    public ClipOutput forward(Tensor images, Tensor ids) {
        try (Scope s = Scope.open()) {
            Tensor i = encodeImage(images, true);
            Tensor t = encodeText(ids, true);
            Tensor scale = logitScale().exp();
            Tensor bias = logitBias() == null ? null : logitBias().share();
            return new ClipOutput(i.moveOut(), t.moveOut(), scale.moveOut(), bias == null ? null : bias.moveOut());
        }
    }
}
