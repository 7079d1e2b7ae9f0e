package org.lcl.models.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lcl.dsl.optim.AdamW;
import org.lcl.torch.Tensor;

/**
 * Dynamic loss scaling for fp16 training with torch.cuda.amp.GradScaler's defaults and
 * semantics: the loss is multiplied by the scale (initially 2^16) before backward; gradients are
 * unscaled (once per step) before clipping or the step; a step whose gradients hold an inf or
 * NaN is skipped and the scale multiplied by 0.5; after 2000 consecutive good steps the scale
 * doubles. Its {@link #stateDict()} has PyTorch's keys, so an OpenCLIP checkpoint's
 * {@code "scaler"} entry round-trips.
 */
public final class GradScaler {

    private double scale;
    private final double growthFactor;
    private final double backoffFactor;
    private final long growthInterval;
    private long growthTracker;
    private boolean unscaled;
    private boolean foundInf;
    private long skippedSteps;

    public GradScaler() {
        this(65536.0, 2.0, 0.5, 2000);
    }

    public GradScaler(double initScale, double growthFactor, double backoffFactor, long growthInterval) {
        if (initScale <= 0 || growthFactor <= 1 || backoffFactor <= 0 || backoffFactor >= 1 || growthInterval < 1) {
            throw new IllegalArgumentException("bad GradScaler settings: scale " + initScale + ", growth " + growthFactor
                    + ", backoff " + backoffFactor + ", interval " + growthInterval);
        }
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    public double scale() {
        return scale;
    }

    /** Steps skipped so far because of inf/NaN gradients. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** loss × scale (a new tensor in the current scope). */
    public Tensor scale(Tensor loss) {
        return loss.mul(scale);
    }

    /** Divides the gradients by the scale and records whether any is non-finite; once per step. */
    public void unscale_(List<Tensor> params) {
        if (unscaled) {
            return;
        }
        foundInf = Gradients.nonFinite(params);
        Gradients.scale_(params, 1.0 / scale);
        unscaled = true;
    }

    /** Unscales if needed, then steps the optimiser unless a gradient is non-finite. Returns whether it stepped. */
    public boolean step(AdamW optimizer, List<Tensor> params) {
        unscale_(params);
        if (foundInf) {
            skippedSteps++;
            return false;
        }
        optimizer.step();
        return true;
    }

    /** Adjusts the scale after a step (backoff on inf, growth after growthInterval good steps). */
    public void update() {
        if (foundInf) {
            scale *= backoffFactor;
            growthTracker = 0;
        } else if (++growthTracker == growthInterval) {
            scale *= growthFactor;
            growthTracker = 0;
        }
        unscaled = false;
        foundInf = false;
    }

    /** PyTorch's GradScaler.state_dict(). */
    public Map<String, Object> stateDict() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("scale", scale);
        d.put("growth_factor", growthFactor);
        d.put("backoff_factor", backoffFactor);
        d.put("growth_interval", growthInterval);
        d.put("_growth_tracker", growthTracker);
        return d;
    }

    /** Restores the scale and growth tracker from a state dict written here or by PyTorch. */
    public void loadStateDict(Map<?, ?> d) {
        if (!(d.get("scale") instanceof Number s) || !(d.get("_growth_tracker") instanceof Number t)) {
            throw new IllegalArgumentException("not a GradScaler state dict (needs scale and _growth_tracker): " + d.keySet());
        }
        scale = s.doubleValue();
        growthTracker = t.longValue();
    }
}
