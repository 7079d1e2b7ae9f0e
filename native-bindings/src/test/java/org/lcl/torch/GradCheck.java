package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A finite-difference gradient check in float64, as {@code torch.autograd.gradcheck} does it, for a
 * function of several tensors.
 *
 * <p>The function's output y is reduced to the scalar {@code L = sum(y * r)} with r a fixed
 * pseudo-random weight tensor (so that every output element contributes with its own weight).
 * The autograd gradient of L with respect to every input is compared with central differences
 * {@code (L(x + eps e_j) - L(x - eps e_j)) / (2 eps)} on every input element, and each element
 * must satisfy {@code |analytic - numeric| <= atol + rtol * |numeric|}.
 *
 * <p>Every input given is differentiated; non-differentiable arguments (indices, masks) belong in
 * the function's closure. All native memory is freed by scopes.
 */
final class GradCheck {

    static final double EPS = 1e-6;
    static final double ATOL = 1e-5;
    static final double RTOL = 1e-4;

    private GradCheck() {}

    /** A float64 tensor of the given shape with deterministic values uniform in [lo, hi). */
    static Tensor uniform(long seed, double lo, double hi, long... shape) {
        Random rnd = new Random(seed);
        double[] d = new double[(int) numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return Torch.tensor(d).reshape(shape);
    }

    /**
     * A float64 tensor whose values have magnitude in [lo, hi) and a random sign: away from zero,
     * for functions with a kink or a pole there (abs, relu, reciprocal, ...).
     */
    static Tensor awayFromZero(long seed, double lo, double hi, long... shape) {
        Random rnd = new Random(seed);
        double[] d = new double[(int) numel(shape)];
        for (int i = 0; i < d.length; i++) {
            double m = lo + (hi - lo) * rnd.nextDouble();
            d[i] = rnd.nextBoolean() ? m : -m;
        }
        return Torch.tensor(d).reshape(shape);
    }

    /** A float64 tensor holding the distinct values {@code offset + scale * perm(i)}: no ties for max/min/topk/sort. */
    static Tensor distinct(long seed, double scale, double offset, long... shape) {
        int n = (int) numel(shape);
        Integer[] perm = new Integer[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        java.util.Collections.shuffle(Arrays.asList(perm), new Random(seed));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = offset + scale * perm[i];
        }
        return Torch.tensor(d).reshape(shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** Checks f's gradients at inputs (float64 tensors; each is differentiated); op names the check in failures. */
    static void check(String op, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        check(op, f, ATOL, RTOL, inputs);
    }

    static void check(String op, Function<List<Tensor>, Tensor> f, double atol, double rtol, Tensor... inputs) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("no inputs");
        }
        try (Scope scope = Scope.open()) {
            int n = inputs.length;
            double[][] data = new double[n][];
            long[][] shapes = new long[n][];
            for (int i = 0; i < n; i++) {
                assertEquals(DType.FLOAT64, inputs[i].dtype(), op + ": gradcheck input " + i + " must be float64");
                data[i] = inputs[i].detach().toDoubleArray();
                shapes[i] = inputs[i].shape();
            }

            // ---- analytic: autograd gradient of sum(f(x) * r) ----
            List<Tensor> leaves = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                leaves.add(leaf(data[i], shapes[i]).requiresGrad_());
            }
            long[] outShape;
            double[] r;
            try (GradMode ignored = GradMode.enableGrad()) {
                Tensor y = f.apply(leaves);
                assertEquals(DType.FLOAT64, y.dtype(), op + ": output dtype");
                assertTrue(y.requiresGrad(), op + ": output does not require grad (the op dropped the autograd graph)");
                outShape = y.shape();
                r = weights(op, (int) y.numel());
                y.mul(leaf(r, outShape)).sum().backward();
            }
            double[][] analytic = new double[n][];
            for (int i = 0; i < n; i++) {
                Tensor g = leaves.get(i).grad();
                if (g == null) {
                    analytic[i] = new double[data[i].length]; // no path from this input: zero gradient
                } else {
                    assertArrayEquals(shapes[i], g.shape(), op + ": shape of the gradient of input " + i);
                    assertEquals(DType.FLOAT64, g.dtype(), op + ": dtype of the gradient of input " + i);
                    analytic[i] = g.toDoubleArray();
                }
            }

            // ---- numeric: central differences on every element of every input ----
            double[][] numeric = new double[n][];
            try (GradMode ignored = GradMode.noGrad()) {
                for (int i = 0; i < n; i++) {
                    numeric[i] = new double[data[i].length];
                    for (int j = 0; j < data[i].length; j++) {
                        double orig = data[i][j];
                        data[i][j] = orig + EPS;
                        double plus = loss(f, data, shapes, r, outShape, op);
                        data[i][j] = orig - EPS;
                        double minus = loss(f, data, shapes, r, outShape, op);
                        data[i][j] = orig;
                        numeric[i][j] = (plus - minus) / (2 * EPS);
                    }
                }
            }

            // ---- compare ----
            StringBuilder errors = new StringBuilder();
            int bad = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < data[i].length; j++) {
                    double a = analytic[i][j];
                    double num = numeric[i][j];
                    if (!(Math.abs(a - num) <= atol + rtol * Math.abs(num))) {
                        if (bad < 8) {
                            errors.append(String.format("%n  input %d %s element %s: autograd %.10g, finite difference %.10g",
                                    i, Arrays.toString(shapes[i]), Arrays.toString(unravel(j, shapes[i])), a, num));
                        }
                        bad++;
                    }
                }
            }
            if (bad > 0) {
                fail(op + ": gradient mismatch in " + bad + " element(s)" + errors);
            }
        }
    }

    private static double loss(Function<List<Tensor>, Tensor> f, double[][] data, long[][] shapes, double[] r,
                               long[] outShape, String op) {
        try (Scope s = Scope.open()) {
            List<Tensor> xs = new ArrayList<>(data.length);
            for (int i = 0; i < data.length; i++) {
                xs.add(leaf(data[i], shapes[i]));
            }
            Tensor y = f.apply(xs);
            assertArrayEquals(outShape, y.shape(), op + ": output shape changed under perturbation");
            double[] v = y.toDoubleArray();
            double sum = 0;
            for (int k = 0; k < v.length; k++) {
                sum += v[k] * r[k];
            }
            return sum;
        }
    }

    private static Tensor leaf(double[] d, long[] shape) {
        return Torch.tensor(d).reshape(shape);
    }

    /** Fixed weights in [0.5, 1.5) with random signs, seeded by the op name: deterministic per check. */
    private static double[] weights(String op, int n) {
        Random rnd = new Random(op.hashCode() * 31L + 7);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            double m = 0.5 + rnd.nextDouble();
            r[i] = rnd.nextBoolean() ? m : -m;
        }
        return r;
    }

    private static long[] unravel(int flat, long[] shape) {
        long[] idx = new long[shape.length];
        long rem = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        return idx;
    }
}
