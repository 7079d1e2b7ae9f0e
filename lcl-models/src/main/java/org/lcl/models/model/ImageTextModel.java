package org.lcl.models.model;

import org.lcl.dsl.Module;
import org.lcl.models.config.ModelConfig;
import org.lcl.torch.GradMode;
import org.lcl.torch.Tensor;

/**
 * What LCL and CLIP models share: a vision tower {@code visual}, a text tower, and
 * {@code logit_scale} (plus {@code logit_bias} when configured).
 */
public abstract sealed class ImageTextModel extends Module permits LclModel, ClipModel {

    /** ln(100): the upper clamp of logit_scale (OpenCLIP clamps to [0, ln 100] after each step). */
    public static final double MAX_LOGIT_SCALE = Math.log(100);

    private final ModelConfig config;

    ImageTextModel(ModelConfig config) {
        super("");
        this.config = config;
    }

    public final ModelConfig config() {
        return config;
    }

    /** The vision tower ({@code visual.*}). */
    public abstract Module visual();

    /** The text tower ({@code text.*} in LCL, top-level keys in CLIP). */
    public abstract TextDecoder text();

    /** The raw logit_scale parameter (a log scale; the loss uses its exp). */
    public abstract Tensor logitScale();

    /** The logit_bias parameter, or null when the config has no init_logit_bias. */
    public abstract Tensor logitBias();

    /** Image embeddings [B, D] (L2-normalised in float32 when normalize). */
    public abstract Tensor encodeImage(Tensor images, boolean normalize);

    /** Text embeddings (L2-normalised in float32 when normalize); see the subclasses for which positions. */
    public abstract Tensor encodeText(Tensor ids, boolean normalize);

    /** Clamps logit_scale to [0, ln 100] in place, as OpenCLIP's training loop after every optimizer step. */
    public final void clampLogitScale() {
        try (GradMode g = GradMode.noGrad()) {
            logitScale().clamp_(0, MAX_LOGIT_SCALE);
        }
    }
}
