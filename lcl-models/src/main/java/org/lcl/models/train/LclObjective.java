package org.lcl.models.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lcl.models.loss.LclLoss;
import org.lcl.models.loss.LossOutput;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.LclModel;
import org.lcl.models.model.LclOutput;
import org.lcl.torch.Tensor;

/**
 * LCL's objective: the model's forward (lcl-spec.md steps 1–5) and {@link LclLoss}. Under
 * {@code --accum-freq} the cached outputs are image_features, text_features, logits and labels,
 * as the reference's output dict.
 */
public final class LclObjective implements Objective {

    private final LclLoss loss;

    public LclObjective(LclLoss loss) {
        this.loss = loss;
    }

    @Override
    public ModelOutputs forward(ImageTextModel model, Tensor images, Tensor ids) {
        if (!(model instanceof LclModel lcl)) {
            throw new IllegalArgumentException("the LCL objective needs an LCL model (a config with pool_project_cfg), got "
                    + model.getClass().getSimpleName());
        }
        LclOutput out = lcl.forward(images, ids);
        Map<String, Tensor> f = new LinkedHashMap<>();
        f.put("image_features", out.imageFeatures());
        f.put("text_features", out.textFeatures());
        f.put("logits", out.logits());
        f.put("labels", out.labels());
        return new ModelOutputs(f, out.logitScale());
    }

    @Override
    public Losses loss(ModelOutputs o) {
        LossOutput l = loss.compute(o.get("image_features"), o.get("text_features"), o.logitScale(), o.get("logits"), o.get("labels"));
        return new Losses(l.terms(), l.total());
    }
}
