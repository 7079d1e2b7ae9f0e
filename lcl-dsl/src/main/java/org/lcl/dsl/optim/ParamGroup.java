package org.lcl.dsl.optim;

import java.util.List;

import org.lcl.torch.Tensor;

/**
 * Parameters sharing optimiser hyperparameters, as a torch.optim param group. lr is mutable
 * through {@link AdamW#setLr} (schedules set it every step); the rest is fixed.
 */
public record ParamGroup(List<Tensor> params, double weightDecay) {

    public ParamGroup {
        params = List.copyOf(params);
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }
}
