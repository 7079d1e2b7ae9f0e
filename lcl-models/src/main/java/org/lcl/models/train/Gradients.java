package org.lcl.models.train;

import java.util.ArrayList;
import java.util.List;

import org.lcl.torch.DType;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** Whole-model gradient utilities, as torch.nn.utils and the AMP scaler use them. */
public final class Gradients {

    private Gradients() {}

    /** The gradients of params that have one. */
    public static List<Tensor> of(List<Tensor> params) {
        List<Tensor> grads = new ArrayList<>(params.size());
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g != null) {
                grads.add(g);
            }
        }
        return grads;
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_(params, maxNorm)}: the total 2-norm of all gradients,
     * and when it exceeds maxNorm every gradient scaled in place by maxNorm / (norm + 1e-6).
     * Returns the total norm before clipping.
     */
    public static double clipGradNorm_(List<Tensor> params, double maxNorm) {
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            List<Tensor> grads = of(params);
            if (grads.isEmpty()) {
                return 0;
            }
            List<Tensor> norms = new ArrayList<>(grads.size());
            for (Tensor gr : grads) {
                norms.add(gr.norm().to(DType.FLOAT32));
            }
            Tensor total = Torch.stack(norms).norm();
            Tensor coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1.0);
            for (Tensor gr : grads) {
                gr.mul_(coef.to(gr.dtype()));
            }
            return total.item();
        }
    }

    /**
     * True when any gradient holds an inf or NaN: the largest |g| over all gradients, which is
     * inf or NaN exactly then (max propagates NaN), read with one device synchronisation.
     */
    public static boolean nonFinite(List<Tensor> params) {
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            List<Tensor> grads = of(params);
            if (grads.isEmpty()) {
                return false;
            }
            List<Tensor> maxima = new ArrayList<>(grads.size());
            for (Tensor gr : grads) {
                maxima.add(gr.abs().max().to(DType.FLOAT32));
            }
            return !Double.isFinite(Torch.stack(maxima).max().item());
        }
    }

    /** Multiplies every gradient by factor in place. */
    public static void scale_(List<Tensor> params, double factor) {
        try (GradMode g = GradMode.noGrad()) {
            for (Tensor gr : of(params)) {
                gr.mul_(factor);
            }
        }
    }
}
