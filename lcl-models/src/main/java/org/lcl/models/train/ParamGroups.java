package org.lcl.models.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.lcl.dsl.Module;
import org.lcl.dsl.optim.ParamGroup;
import org.lcl.torch.Tensor;

/**
 * OpenCLIP's AdamW parameter groups: parameters with ndim &lt; 2 or whose name contains "bn",
 * "ln", "bias" or "logit_scale" (gain and bias) get weight decay 0, all others get {@code wd}.
 * Group 0 is gain/bias, group 1 the rest, each in named-parameter order, trainable only —
 * the same indices as PyTorch's optimizer state dict of an OpenCLIP run.
 */
public final class ParamGroups {

    private ParamGroups() {}

    /** True for a parameter OpenCLIP excludes from weight decay. */
    public static boolean excludedFromDecay(String name, Tensor p) {
        return p.dim() < 2 || name.contains("bn") || name.contains("ln") || name.contains("bias") || name.contains("logit_scale");
    }

    public static List<ParamGroup> openClip(Module model, double wd) {
        List<Tensor> gainOrBias = new ArrayList<>();
        List<Tensor> rest = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            if (!p.requiresGrad()) {
                continue;
            }
            (excludedFromDecay(e.getKey(), p) ? gainOrBias : rest).add(p);
        }
        return List.of(new ParamGroup(gainOrBias, 0.0), new ParamGroup(rest, wd));
    }
}
