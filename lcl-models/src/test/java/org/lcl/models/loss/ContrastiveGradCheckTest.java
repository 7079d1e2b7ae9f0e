package org.lcl.models.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.lcl.torch.DType;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * Central finite differences in float64 of the contrastive term w.r.t. every feature and the logit
 * scale parameter, against autograd: one process, and rank 0 of three simulated ones (padded,
 * masked columns; gather-with-grad, so the other ranks' features are differentiated too).
 */
class ContrastiveGradCheckTest {

    private static final double H = 1e-6;
    private static final double TOL = 1e-7;

    /** inputs[0] is the logit-scale parameter (scalar), the rest features; loss = f(inputs). */
    private static void check(String title, List<Tensor> inputs, Function<List<Tensor>, Tensor> f) {
        try (Scope s = Scope.open()) {
            List<Tensor> leaves = new ArrayList<>();
            for (Tensor t : inputs) {
                leaves.add(t.clone().requiresGrad_());
            }
            f.apply(leaves).backward();
            double worst = 0;
            try (GradMode g = GradMode.noGrad()) {
                for (int i = 0; i < inputs.size(); i++) {
                    double[] analytic = leaves.get(i).grad().contiguous().toDoubleArray();
                    for (int j = 0; j < analytic.length; j++) {
                        double numeric = (perturbed(inputs, i, j, H, f) - perturbed(inputs, i, j, -H, f)) / (2 * H);
                        worst = Math.max(worst, Math.abs(numeric - analytic[j]) / Math.max(1, Math.abs(numeric)));
                    }
                }
            }
            System.out.printf("%s: worst finite-difference error %.3g%n", title, worst);
            assertTrue(worst <= TOL, title + ": autograd and finite differences differ by " + worst);
        }
    }

    private static double perturbed(List<Tensor> inputs, int which, int element, double h, Function<List<Tensor>, Tensor> f) {
        try (Scope s = Scope.open()) {
            List<Tensor> x = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                Tensor t = inputs.get(i).clone();
                if (i == which) {
                    double[] v = t.contiguous().toDoubleArray();
                    v[element] += h;
                    t = Torch.tensor(v, t.shape());
                }
                x.add(t);
            }
            return f.apply(x).item();
        }
    }

    private static Tensor randn(long... shape) {
        return Torch.randn(TensorOptions.of(DType.FLOAT64), shape);
    }

    @Test
    void singleProcess() {
        Torch.manualSeed(1);
        try (Scope s = Scope.open()) {
            check("one process", List.of(Torch.scalar(1.7, TensorOptions.of(DType.FLOAT64)), randn(4, 5), randn(4, 5)), x -> {
                PaddedFeatures all = PaddedFeatures.gather(FeatureGather.singleProcess(), x.get(1), x.get(2), true);
                return ContrastiveLoss.local(x.get(1), x.get(2), x.get(0).exp(), all);
            });
        }
    }

    @Test
    void paddedRankView() {
        Torch.manualSeed(2);
        try (Scope s = Scope.open()) {
            // ranks with 2, 3 and 1 pairs; this is rank 0: its columns hold a pad, rank 2's two.
            List<Tensor> in = List.of(Torch.scalar(1.2, TensorOptions.of(DType.FLOAT64)), randn(2, 4), randn(2, 4), randn(3, 4), randn(3, 4),
                    randn(1, 4), randn(1, 4));
            check("rank 0 of 3", in, x -> {
                SimulatedGather g = SimulatedGather.view(0, List.of(x.get(1), x.get(3), x.get(5)), List.of(x.get(2), x.get(4), x.get(6)), 3);
                PaddedFeatures all = PaddedFeatures.gather(g, x.get(1), x.get(2), true);
                return ContrastiveLoss.local(x.get(1), x.get(2), x.get(0).exp(), all);
            });
        }
    }
}
