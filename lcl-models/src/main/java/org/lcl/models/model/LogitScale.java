package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Init;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.torch.Tensor;

/**
 * The model's scalar parameters: {@code logit_scale} [] (init ln(1/0.07) by default) and, when
 * init_logit_bias is set, {@code logit_bias} []. Transparent: the keys sit where the model
 * registers this module (first in LCL and CustomTextCLIP, after the text tower in CLIP).
 */
final class LogitScale extends Module {

    final Tensor scale;
    final Tensor bias;

    /** The spec: initScale, and initBias or null. */
    record LogitScaleSpec(double initScale, Double initBias) implements Spec {
        @Override
        public String name() {
            return "";
        }

        @Override
        public Shape check(Shape input, String path) {
            return Shape.of();
        }

        @Override
        public Module build(CompileContext ctx) {
            return new LogitScale(this, ctx);
        }
    }

    private LogitScale(LogitScaleSpec spec, CompileContext ctx) {
        super("");
        scale = addParameter("logit_scale", ctx.parameter(Init.constant(spec.initScale())));
        bias = spec.initBias() == null ? null : addParameter("logit_bias", ctx.parameter(Init.constant(spec.initBias())));
    }
}
