package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.lcl.torch.Functional.Reduction;
import org.opentest4j.AssertionFailedError;

/**
 * Finite-difference gradient checks in float64 ({@link GradCheck}) for every differentiable op of the
 * tensor layer: each dynamic test is named after the op and the variant it checks. Inputs are chosen
 * away from kinks, ties and domain edges, so that central differences are exact to O(eps²).
 */
class GradientCheckTest {

    // ---- helpers ------------------------------------------------------------------------------

    /** One gradient check: the inputs are made inside the test's own scope. */
    private static DynamicTest g(String name, Function<List<Tensor>, Tensor> f, Supplier<Tensor[]> inputs) {
        return dynamicTest(name, () -> {
            try (Scope s = Scope.open()) {
                GradCheck.check(name, f, inputs.get());
            } catch (RuntimeException e) { // a TorchException names the C op only: name the check as well
                throw new AssertionFailedError(name + ": " + e, e);
            }
        });
    }

    private static Tensor[] in(Tensor... t) {
        return t;
    }

    /** Uniform in [lo, hi). */
    private static Tensor u(long seed, double lo, double hi, long... shape) {
        return GradCheck.uniform(seed, lo, hi, shape);
    }

    /** Magnitude in [lo, hi), random sign. */
    private static Tensor nz(long seed, double lo, double hi, long... shape) {
        return GradCheck.awayFromZero(seed, lo, hi, shape);
    }

    /** Distinct values offset + scale * permutation: no ties. */
    private static Tensor d(long seed, double scale, double offset, long... shape) {
        return GradCheck.distinct(seed, scale, offset, shape);
    }

    private static Tensor idx(long[] v, long... shape) {
        return Torch.tensor(v, shape);
    }

    private static Tensor mask(boolean[] v, long... shape) {
        return Torch.tensor(v, shape);
    }

    private static final boolean T = true;
    private static final boolean F = false;

    // ---- the checker itself -----------------------------------------------------------------

    /** The checker must fail on a wrong gradient: d/dx of x * detach(x) is x by autograd but 2x really. */
    @Test
    void gradCheckDetectsAWrongGradient() {
        try (Scope s = Scope.open()) {
            Tensor x = u(1, 0.5, 2, 3, 2);
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> GradCheck.check("x*detach(x)", v -> v.get(0).mul(v.get(0).detach()), x));
            assertTrue(e.getMessage().contains("x*detach(x): gradient mismatch in 6 element(s)"), e.getMessage());
        }
    }

    /** ... and on an output that left the autograd graph. */
    @Test
    void gradCheckDetectsADetachedOutput() {
        try (Scope s = Scope.open()) {
            Tensor x = u(2, 0.5, 2, 3);
            assertThrows(AssertionFailedError.class, () -> GradCheck.check("detach", v -> v.get(0).detach(), x));
        }
    }

    // ---- elementwise arithmetic -------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> arithmetic() {
        return Stream.of(
                g("add tensor [2,3]+[3]", x -> x.get(0).add(x.get(1)), () -> in(u(1, -2, 2, 2, 3), u(2, -2, 2, 3))),
                g("add tensor alpha=-0.7 [2,3]+[2,1]", x -> x.get(0).add(x.get(1), -0.7),
                        () -> in(u(3, -2, 2, 2, 3), u(4, -2, 2, 2, 1))),
                g("add scalar", x -> x.get(0).add(1.5), () -> in(u(5, -2, 2, 2, 3))),
                g("sub tensor [2,1,3]-[4,1]", x -> x.get(0).sub(x.get(1)), () -> in(u(6, -2, 2, 2, 1, 3), u(7, -2, 2, 4, 1))),
                g("sub scalar", x -> x.get(0).sub(0.3), () -> in(u(8, -2, 2, 3, 2))),
                g("rsub scalar", x -> x.get(0).rsub(2.0), () -> in(u(9, -2, 2, 3, 2))),
                g("mul tensor [3,1]*[1,4]", x -> x.get(0).mul(x.get(1)), () -> in(u(10, -2, 2, 3, 1), u(11, -2, 2, 1, 4))),
                g("mul scalar", x -> x.get(0).mul(-1.25), () -> in(u(12, -2, 2, 2, 3))),
                g("div tensor [2,3]/[3]", x -> x.get(0).div(x.get(1)), () -> in(u(13, -2, 2, 2, 3), nz(14, 0.5, 2, 3))),
                g("div tensor [3]/[2,3]", x -> x.get(0).div(x.get(1)), () -> in(u(15, -2, 2, 3), nz(16, 0.5, 2, 2, 3))),
                g("div scalar", x -> x.get(0).div(0.4), () -> in(u(17, -2, 2, 2, 3))),
                g("pow tensor^tensor [2,3]^[3]", x -> x.get(0).pow(x.get(1)), () -> in(u(18, 0.5, 2, 2, 3), u(19, -1.5, 2, 3))),
                g("pow tensor^2.5", x -> x.get(0).pow(2.5), () -> in(u(20, 0.3, 2, 2, 3))),
                g("pow tensor^3 (negative base)", x -> x.get(0).pow(3.0), () -> in(u(21, -2, 2, 2, 3))),
                g("pow tensor^-1.5", x -> x.get(0).pow(-1.5), () -> in(u(22, 0.5, 2, 2, 3))),
                g("pow tensor^0.5", x -> x.get(0).pow(0.5), () -> in(u(23, 0.5, 2, 2, 3))),
                g("maximum [2,3] vs [3]", x -> x.get(0).maximum(x.get(1)),
                        () -> in(d(24, 0.3, -0.8, 2, 3), d(25, 0.3, -0.65, 3))),
                g("minimum [3,1] vs [1,4]", x -> x.get(0).minimum(x.get(1)),
                        () -> in(d(26, 0.3, -0.8, 3, 1), d(27, 0.3, -0.65, 1, 4))));
    }

    // ---- unary ------------------------------------------------------------------------------

    /** Values k + 0.3: away from the integers and half-integers where floor/ceil/round/sign jump. */
    private static Tensor offIntegers() {
        double[] v = new double[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i - 6) + 0.3;
        }
        return Torch.tensor(v, 3, 4);
    }

    @TestFactory
    Stream<DynamicTest> unary() {
        return Stream.of(
                g("neg", x -> x.get(0).neg(), () -> in(u(1, -2, 2, 3, 4))),
                g("abs", x -> x.get(0).abs(), () -> in(nz(2, 0.1, 2, 3, 4))),
                g("exp", x -> x.get(0).exp(), () -> in(u(3, -2, 2, 3, 4))),
                g("log", x -> x.get(0).log(), () -> in(u(4, 0.2, 3, 3, 4))),
                g("sqrt", x -> x.get(0).sqrt(), () -> in(u(5, 0.2, 3, 3, 4))),
                g("rsqrt", x -> x.get(0).rsqrt(), () -> in(u(6, 0.2, 3, 3, 4))),
                g("tanh", x -> x.get(0).tanh(), () -> in(u(7, -2, 2, 3, 4))),
                g("sigmoid", x -> x.get(0).sigmoid(), () -> in(u(8, -3, 3, 3, 4))),
                g("relu", x -> x.get(0).relu(), () -> in(nz(9, 0.1, 2, 3, 4))),
                g("sin", x -> x.get(0).sin(), () -> in(u(10, -3, 3, 3, 4))),
                g("cos", x -> x.get(0).cos(), () -> in(u(11, -3, 3, 3, 4))),
                g("reciprocal", x -> x.get(0).reciprocal(), () -> in(nz(12, 0.3, 2, 3, 4))),
                g("square", x -> x.get(0).square(), () -> in(u(13, -2, 2, 3, 4))),
                g("log1p", x -> x.get(0).log1p(), () -> in(u(14, -0.8, 2, 3, 4))),
                g("expm1", x -> x.get(0).expm1(), () -> in(u(15, -2, 2, 3, 4))),
                g("silu", x -> x.get(0).silu(), () -> in(u(16, -3, 3, 3, 4))),
                g("erf", x -> x.get(0).erf(), () -> in(u(17, -2, 2, 3, 4))),
                // piecewise constant: autograd must give exactly the zero gradient
                g("sign (zero gradient)", x -> x.get(0).sign(), () -> in(offIntegers())),
                g("floor (zero gradient)", x -> x.get(0).floor(), () -> in(offIntegers())),
                g("ceil (zero gradient)", x -> x.get(0).ceil(), () -> in(offIntegers())),
                g("round (zero gradient)", x -> x.get(0).round(), () -> in(offIntegers())),
                // -1.95 + 0.3k: at least 0.05 from every bound used below
                g("clamp(-0.5, 0.8)", x -> x.get(0).clamp(-0.5, 0.8), () -> in(d(18, 0.3, -1.95, 3, 4))),
                g("clampMin(0.1)", x -> x.get(0).clampMin(0.1), () -> in(d(19, 0.3, -1.95, 3, 4))),
                g("clampMax(0.2)", x -> x.get(0).clampMax(0.2), () -> in(d(20, 0.3, -1.95, 3, 4))));
    }

    // ---- reductions -------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> reductions() {
        return Stream.of(
                g("sum all", x -> x.get(0).sum(), () -> in(u(1, -2, 2, 3, 4))),
                g("sum dim 1", x -> x.get(0).sum(1, false), () -> in(u(2, -2, 2, 2, 3, 4))),
                g("sum dims {0,2} keepdim", x -> x.get(0).sum(new long[] {0, 2}, true, null), () -> in(u(3, -2, 2, 2, 3, 4))),
                g("sum dim -1 dtype float64", x -> x.get(0).sum(new long[] {-1}, false, DType.FLOAT64),
                        () -> in(u(4, -2, 2, 3, 4))),
                g("mean all", x -> x.get(0).mean(), () -> in(u(5, -2, 2, 3, 4))),
                g("mean dim -1 keepdim", x -> x.get(0).mean(-1, true), () -> in(u(6, -2, 2, 2, 3, 4))),
                g("mean dims {0,1}", x -> x.get(0).mean(new long[] {0, 1}, false, null), () -> in(u(7, -2, 2, 2, 3, 4))),
                g("std all", x -> x.get(0).std(), () -> in(u(8, -2, 2, 3, 4))),
                g("std dim 1 correction 0 keepdim", x -> x.get(0).std(new long[] {1}, 0, true), () -> in(u(9, -2, 2, 3, 4))),
                g("std dims {0,2} correction 1", x -> x.get(0).std(new long[] {0, 2}, 1, false), () -> in(u(10, -2, 2, 2, 3, 4))),
                g("var all", x -> x.get(0).var(), () -> in(u(11, -2, 2, 3, 4))),
                g("var dim 0 correction 0", x -> x.get(0).var(new long[] {0}, 0, false), () -> in(u(12, -2, 2, 3, 4))),
                g("var dims {1,2} correction 1 keepdim", x -> x.get(0).var(new long[] {1, 2}, 1, true),
                        () -> in(u(13, -2, 2, 2, 3, 4))),
                g("norm (2, all)", x -> x.get(0).norm(), () -> in(u(14, -2, 2, 3, 4))),
                g("norm p=1 dim 1", x -> x.get(0).norm(1, new long[] {1}, false), () -> in(nz(15, 0.1, 2, 3, 4))),
                g("norm p=3 dims {0,1} keepdim", x -> x.get(0).norm(3, new long[] {0, 1}, true), () -> in(nz(16, 0.1, 2, 2, 3, 4))),
                g("norm p=inf dim -1", x -> x.get(0).norm(Double.POSITIVE_INFINITY, new long[] {-1}, false),
                        () -> in(d(17, 0.3, -1.9, 3, 4))), // |values| distinct
                g("max all", x -> x.get(0).max(), () -> in(d(18, 0.2, -1, 3, 4))),
                g("min all", x -> x.get(0).min(), () -> in(d(19, 0.2, -1, 3, 4))),
                g("max dim 1 values", x -> x.get(0).max(1, false).values(), () -> in(d(20, 0.2, -1, 2, 3, 4))),
                g("min dim 0 keepdim values", x -> x.get(0).min(0, true).values(), () -> in(d(21, 0.2, -1, 3, 4))),
                g("topk k=2 values", x -> x.get(0).topk(2).values(), () -> in(d(22, 0.2, -1, 3, 4))),
                g("topk k=2 dim 0 smallest values", x -> x.get(0).topk(2, 0, false, true).values(), () -> in(d(23, 0.2, -1, 3, 4))),
                g("cumsum dim 0", x -> x.get(0).cumsum(0), () -> in(u(24, -2, 2, 3, 4))),
                g("cumsum dim -1", x -> x.get(0).cumsum(-1), () -> in(u(25, -2, 2, 2, 3, 4))),
                g("logsumexp dim 1", x -> Functional.logsumexp(x.get(0), new long[] {1}, false), () -> in(u(26, -2, 2, 3, 4))),
                g("logsumexp dims {0,2} keepdim", x -> Functional.logsumexp(x.get(0), new long[] {0, 2}, true),
                        () -> in(u(27, -2, 2, 2, 3, 4))));
    }

    // ---- linear algebra ---------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> linearAlgebra() {
        return Stream.of(
                g("matmul [3,4]@[4,2]", x -> x.get(0).matmul(x.get(1)), () -> in(u(1, -1, 1, 3, 4), u(2, -1, 1, 4, 2))),
                g("matmul batched [2,3,4]@[4,2]", x -> x.get(0).matmul(x.get(1)), () -> in(u(3, -1, 1, 2, 3, 4), u(4, -1, 1, 4, 2))),
                g("matmul broadcast [2,1,3,4]@[3,4,2]", x -> x.get(0).matmul(x.get(1)),
                        () -> in(u(5, -1, 1, 2, 1, 3, 4), u(6, -1, 1, 3, 4, 2))),
                g("matmul [4]@[4,3]", x -> x.get(0).matmul(x.get(1)), () -> in(u(7, -1, 1, 4), u(8, -1, 1, 4, 3))),
                g("matmul [3,4]@[4]", x -> x.get(0).matmul(x.get(1)), () -> in(u(9, -1, 1, 3, 4), u(10, -1, 1, 4))),
                g("matmul [4]@[4] (dot)", x -> x.get(0).matmul(x.get(1)), () -> in(u(11, -1, 1, 4), u(12, -1, 1, 4))),
                g("bmm [2,3,4]@[2,4,2]", x -> x.get(0).bmm(x.get(1)), () -> in(u(13, -1, 1, 2, 3, 4), u(14, -1, 1, 2, 4, 2))),
                g("addmm", x -> x.get(0).addmm(x.get(1), x.get(2)), () -> in(u(15, -1, 1, 3, 2), u(16, -1, 1, 3, 4), u(17, -1, 1, 4, 2))),
                g("addmm beta=0.5 alpha=2 self broadcast [2]", x -> x.get(0).addmm(x.get(1), x.get(2), 0.5, 2.0),
                        () -> in(u(18, -1, 1, 2), u(19, -1, 1, 3, 4), u(20, -1, 1, 4, 2))),
                g("linear with bias [2,3,4]", x -> Functional.linear(x.get(0), x.get(1), x.get(2)),
                        () -> in(u(21, -1, 1, 2, 3, 4), u(22, -1, 1, 5, 4), u(23, -1, 1, 5))),
                g("linear without bias", x -> Functional.linear(x.get(0), x.get(1), null),
                        () -> in(u(24, -1, 1, 3, 4), u(25, -1, 1, 2, 4))),
                g("conv2d stride 2 padding 1 with bias", x -> Functional.conv2d(x.get(0), x.get(1), x.get(2), 2, 1),
                        () -> in(u(26, -1, 1, 1, 2, 5, 5), u(27, -1, 1, 3, 2, 3, 3), u(28, -1, 1, 3))),
                g("conv2d stride 1 padding 0 no bias, batch 2", x -> Functional.conv2d(x.get(0), x.get(1), null, 1, 0),
                        () -> in(u(29, -1, 1, 2, 1, 4, 4), u(30, -1, 1, 2, 1, 2, 2))),
                g("conv2d groups 2 dilation 2 stride (1,2) padding (2,1)",
                        x -> Functional.conv2d(x.get(0), x.get(1), x.get(2), 1, 2, 2, 1, 2, 2, 2),
                        () -> in(u(31, -1, 1, 1, 4, 4, 4), u(32, -1, 1, 2, 2, 2, 2), u(33, -1, 1, 2))));
    }

    // ---- neural-network functions -----------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> nn() {
        return Stream.of(
                g("layerNorm [4] with weight and bias", x -> Functional.layerNorm(x.get(0), new long[] {4}, x.get(1), x.get(2), 1e-5),
                        () -> in(u(1, -2, 2, 2, 3, 4), u(2, 0.5, 1.5, 4), u(3, -1, 1, 4))),
                g("layerNorm [3,4] with weight and bias", x -> Functional.layerNorm(x.get(0), new long[] {3, 4}, x.get(1), x.get(2), 1e-5),
                        () -> in(u(4, -2, 2, 2, 3, 4), u(5, 0.5, 1.5, 3, 4), u(6, -1, 1, 3, 4))),
                g("layerNorm without affine", x -> Functional.layerNorm(x.get(0), new long[] {4}, null, null, 1e-5),
                        () -> in(u(7, -2, 2, 3, 4))),
                g("gelu exact", x -> Functional.gelu(x.get(0), false), () -> in(u(8, -3, 3, 3, 4))),
                g("gelu exact (Tensor.gelu)", x -> x.get(0).gelu(), () -> in(u(9, -3, 3, 3, 4))),
                g("gelu tanh", x -> Functional.gelu(x.get(0), true), () -> in(u(10, -3, 3, 3, 4))),
                g("quickGelu", x -> Functional.quickGelu(x.get(0)), () -> in(u(11, -3, 3, 3, 4))),
                g("softmax dim -1", x -> Functional.softmax(x.get(0), -1), () -> in(u(12, -2, 2, 3, 4))),
                g("softmax dim 0 (Tensor.softmax)", x -> x.get(0).softmax(0), () -> in(u(13, -2, 2, 3, 4))),
                g("softmax dtype float64", x -> Functional.softmax(x.get(0), 1, DType.FLOAT64), () -> in(u(14, -2, 2, 2, 3, 4))),
                g("logSoftmax dim -1", x -> Functional.logSoftmax(x.get(0), -1), () -> in(u(15, -2, 2, 3, 4))),
                g("logSoftmax dim 1 (Tensor.logSoftmax)", x -> x.get(0).logSoftmax(1), () -> in(u(16, -2, 2, 2, 3, 4))),
                g("dropout p=0 train", x -> Functional.dropout(x.get(0), 0.0, true), () -> in(u(17, -2, 2, 3, 4))),
                g("dropout p=0.5 eval", x -> Functional.dropout(x.get(0), 0.5, false), () -> in(u(18, -2, 2, 3, 4))),
                g("embedding (grad wrt weight, repeated indices)",
                        x -> Functional.embedding(x.get(0), idx(new long[] {0, 2, 4, 2, 2, 1}, 2, 3)),
                        () -> in(u(19, -1, 1, 5, 3))),
                g("normalize (p=2, dim -1)", x -> Functional.normalize(x.get(0)), () -> in(u(20, -2, 2, 3, 4))),
                g("normalize p=1 dim 0", x -> Functional.normalize(x.get(0), 1, 0, 1e-12), () -> in(nz(21, 0.1, 2, 3, 4))),
                g("interpolateBicubic up (7,6)", x -> Functional.interpolateBicubic(x.get(0), 7, 6, false, false),
                        () -> in(u(22, -1, 1, 1, 2, 4, 4))),
                g("interpolateBicubic align_corners (5,3)", x -> Functional.interpolateBicubic(x.get(0), 5, 3, true, false),
                        () -> in(u(23, -1, 1, 1, 1, 4, 4))),
                g("interpolateBicubic antialias down (2,3)", x -> Functional.interpolateBicubic(x.get(0), 2, 3, false, true),
                        () -> in(u(24, -1, 1, 1, 2, 6, 7))),
                g("interpolateBicubic antialias up (6,5)", x -> Functional.interpolateBicubic(x.get(0), 6, 5, false, true),
                        () -> in(u(25, -1, 1, 1, 1, 4, 4))),
                g("triu 0", x -> x.get(0).triu(0), () -> in(u(26, -1, 1, 4, 4))),
                g("triu 1 batched", x -> x.get(0).triu(1), () -> in(u(27, -1, 1, 2, 3, 4))),
                g("tril -1", x -> x.get(0).tril(-1), () -> in(u(28, -1, 1, 4, 4))),
                g("tril 0 batched", x -> x.get(0).tril(0), () -> in(u(29, -1, 1, 2, 3, 4))),
                g("clone", x -> x.get(0).clone(), () -> in(u(30, -1, 1, 3, 4))),
                g("to(float64) from float64", x -> x.get(0).to(DType.FLOAT64), () -> in(u(31, -1, 1, 3, 4))));
    }

    // ---- losses -----------------------------------------------------------------------------

    private static Tensor targets() {
        return idx(new long[] {1, 0, 4, 2}, 4);
    }

    private static Tensor classWeights() {
        return Torch.tensor(new double[] {0.5, 1.0, 2.0, 1.5, 0.8});
    }

    @TestFactory
    Stream<DynamicTest> losses() {
        return Stream.of(
                g("crossEntropy mean", x -> Functional.crossEntropy(x.get(0), targets()), () -> in(u(1, -2, 2, 4, 5))),
                g("crossEntropy sum", x -> Functional.crossEntropy(x.get(0), targets(), null, Reduction.SUM, -100, 0),
                        () -> in(u(2, -2, 2, 4, 5))),
                g("crossEntropy none", x -> Functional.crossEntropy(x.get(0), targets(), null, Reduction.NONE, -100, 0),
                        () -> in(u(3, -2, 2, 4, 5))),
                g("crossEntropy ignore_index -100", x -> Functional.crossEntropy(x.get(0), idx(new long[] {1, -100, 4, 2}, 4)),
                        () -> in(u(4, -2, 2, 4, 5))),
                g("crossEntropy ignore_index 2", x -> Functional.crossEntropy(x.get(0), targets(), null, Reduction.MEAN, 2, 0),
                        () -> in(u(5, -2, 2, 4, 5))),
                g("crossEntropy label smoothing 0.1", x -> Functional.crossEntropy(x.get(0), targets(), null, Reduction.MEAN, -100, 0.1),
                        () -> in(u(6, -2, 2, 4, 5))),
                g("crossEntropy class weights mean", x -> Functional.crossEntropy(x.get(0), targets(), classWeights(), Reduction.MEAN, -100, 0),
                        () -> in(u(7, -2, 2, 4, 5))),
                g("crossEntropy class weights + smoothing + ignore, mean",
                        x -> Functional.crossEntropy(x.get(0), targets(), classWeights(), Reduction.MEAN, 4, 0.2),
                        () -> in(u(8, -2, 2, 4, 5))),
                g("crossEntropy class weights + smoothing, none",
                        x -> Functional.crossEntropy(x.get(0), targets(), classWeights(), Reduction.NONE, -100, 0.2),
                        () -> in(u(9, -2, 2, 4, 5))),
                g("crossEntropy [N,C,d] input", x -> Functional.crossEntropy(x.get(0), idx(new long[] {0, 2, 1, 1, 2, 0}, 2, 3)),
                        () -> in(u(10, -2, 2, 2, 3, 3))),
                g("crossEntropy probability targets (grad wrt input and target)",
                        x -> Functional.crossEntropy(x.get(0), x.get(1).softmax(-1)),
                        () -> in(u(11, -2, 2, 3, 4), u(12, -1, 1, 3, 4))),
                g("mseLoss mean", x -> Functional.mseLoss(x.get(0), x.get(1), Reduction.MEAN), () -> in(u(13, -2, 2, 3, 4), u(14, -2, 2, 3, 4))),
                g("mseLoss sum", x -> Functional.mseLoss(x.get(0), x.get(1), Reduction.SUM), () -> in(u(15, -2, 2, 3, 4), u(16, -2, 2, 3, 4))),
                g("mseLoss none", x -> Functional.mseLoss(x.get(0), x.get(1), Reduction.NONE), () -> in(u(17, -2, 2, 3, 4), u(18, -2, 2, 3, 4))));
    }

    // ---- attention --------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> attention() {
        return Stream.of(
                g("scaledDotProductAttention no mask", x -> Functional.scaledDotProductAttention(x.get(0), x.get(1), x.get(2), null, false),
                        () -> in(u(1, -1, 1, 1, 2, 3, 4), u(2, -1, 1, 1, 2, 5, 4), u(3, -1, 1, 1, 2, 5, 3))),
                g("scaledDotProductAttention additive mask (grad wrt mask too)",
                        x -> Functional.scaledDotProductAttention(x.get(0), x.get(1), x.get(2), x.get(3), false),
                        () -> in(u(4, -1, 1, 2, 3, 4), u(5, -1, 1, 2, 5, 4), u(6, -1, 1, 2, 5, 3), u(7, -2, 1, 3, 5))),
                g("scaledDotProductAttention boolean mask",
                        x -> Functional.scaledDotProductAttention(x.get(0), x.get(1), x.get(2),
                                mask(new boolean[] {T, F, T, T, F, F, T, F, F, T, T, T, T, T, F}, 3, 5), false),
                        () -> in(u(8, -1, 1, 2, 3, 4), u(9, -1, 1, 2, 5, 4), u(10, -1, 1, 2, 5, 3))),
                g("scaledDotProductAttention causal",
                        x -> Functional.scaledDotProductAttention(x.get(0), x.get(1), x.get(2), null, true),
                        () -> in(u(11, -1, 1, 1, 2, 4, 3), u(12, -1, 1, 1, 2, 4, 3), u(13, -1, 1, 1, 2, 4, 3))),
                g("scaledDotProductAttention scale 0.7",
                        x -> Functional.scaledDotProductAttention(x.get(0), x.get(1), x.get(2), null, 0.0, false, 0.7),
                        () -> in(u(14, -1, 1, 3, 4), u(15, -1, 1, 4, 4), u(16, -1, 1, 4, 2))));
    }

    // ---- views and shape --------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> shape() {
        return Stream.of(
                g("view", x -> x.get(0).view(2, 6), () -> in(u(1, -1, 1, 3, 4))),
                g("view -1", x -> x.get(0).view(-1, 2), () -> in(u(2, -1, 1, 3, 4))),
                g("reshape of a transpose", x -> x.get(0).t().reshape(12), () -> in(u(3, -1, 1, 3, 4))),
                g("permute", x -> x.get(0).permute(2, 0, 1), () -> in(u(4, -1, 1, 2, 3, 4))),
                g("transpose 0,2", x -> x.get(0).transpose(0, 2), () -> in(u(5, -1, 1, 2, 3, 4))),
                g("t", x -> x.get(0).t(), () -> in(u(6, -1, 1, 3, 4))),
                g("squeeze all", x -> x.get(0).squeeze(), () -> in(u(7, -1, 1, 1, 3, 1, 4))),
                g("squeeze dim 2", x -> x.get(0).squeeze(2), () -> in(u(8, -1, 1, 1, 3, 1, 4))),
                g("unsqueeze 1", x -> x.get(0).unsqueeze(1), () -> in(u(9, -1, 1, 3, 4))),
                g("unsqueeze -1", x -> x.get(0).unsqueeze(-1), () -> in(u(10, -1, 1, 3, 4))),
                g("flatten", x -> x.get(0).flatten(), () -> in(u(11, -1, 1, 2, 3, 4))),
                g("flatten 1..2", x -> x.get(0).flatten(1, 2), () -> in(u(12, -1, 1, 2, 3, 4))),
                g("slice dim 1 [0:] step 2", x -> x.get(0).slice(1, 0, Long.MAX_VALUE, 2), () -> in(u(13, -1, 1, 3, 5))),
                g("slice dim 0 [1:3]", x -> x.get(0).slice(0, 1, 3), () -> in(u(14, -1, 1, 4, 3))),
                g("slice dim -1 [1:-1] step 3", x -> x.get(0).slice(-1, 1, -1, 3), () -> in(u(15, -1, 1, 2, 8))),
                g("narrow", x -> x.get(0).narrow(2, 1, 2), () -> in(u(16, -1, 1, 2, 3, 4))),
                g("select dim 1", x -> x.get(0).select(1, 2), () -> in(u(17, -1, 1, 2, 3, 4))),
                g("select dim 0 index -1", x -> x.get(0).select(0, -1), () -> in(u(18, -1, 1, 3, 4))),
                g("expand [3,1] to [2,3,4]", x -> x.get(0).expand(2, 3, 4), () -> in(u(19, -1, 1, 3, 1))),
                g("expand -1", x -> x.get(0).expand(3, -1), () -> in(u(20, -1, 1, 1, 4))),
                g("expandAs", x -> x.get(0).expandAs(x.get(1)), () -> in(u(21, -1, 1, 1, 4), u(22, -1, 1, 3, 4))),
                g("repeat (2,1,3)", x -> x.get(0).repeat(2, 1, 3), () -> in(u(23, -1, 1, 3, 2))),
                g("contiguous of a transpose", x -> x.get(0).transpose(0, 1).contiguous(), () -> in(u(24, -1, 1, 3, 4))),
                g("cat dim 0", x -> Torch.cat(List.of(x.get(0), x.get(1)), 0), () -> in(u(25, -1, 1, 2, 3), u(26, -1, 1, 1, 3))),
                g("cat dim 1 of three", x -> Torch.cat(List.of(x.get(0), x.get(1), x.get(0)), 1),
                        () -> in(u(27, -1, 1, 2, 3), u(28, -1, 1, 2, 2))),
                g("stack dim 0", x -> Torch.stack(List.of(x.get(0), x.get(1))), () -> in(u(29, -1, 1, 2, 3), u(30, -1, 1, 2, 3))),
                g("stack dim -1", x -> Torch.stack(List.of(x.get(0), x.get(1)), -1), () -> in(u(31, -1, 1, 2, 3), u(32, -1, 1, 2, 3))),
                g("split size 2 dim 1 (reassembled reversed)", x -> {
                    List<Tensor> p = x.get(0).split(2, 1);
                    return Torch.cat(List.of(p.get(2), p.get(1).mul(2), p.get(0)), 1);
                }, () -> in(u(33, -1, 1, 3, 5))),
                g("split sizes {1,3,1} dim 0", x -> {
                    List<Tensor> p = x.get(0).split(new long[] {1, 3, 1}, 0);
                    return Torch.cat(List.of(p.get(1), p.get(2).mul(-3), p.get(0)), 0);
                }, () -> in(u(34, -1, 1, 5, 2))),
                g("chunk 3 dim 0 (uneven)", x -> {
                    List<Tensor> p = x.get(0).chunk(3, 0);
                    return Torch.cat(List.of(p.get(2), p.get(0).mul(0.5), p.get(1)), 0);
                }, () -> in(u(35, -1, 1, 5, 2))));
    }

    // ---- indexing -----------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> indexing() {
        return Stream.of(
                g("indexSelect dim 0 (repeated)", x -> x.get(0).indexSelect(0, idx(new long[] {2, 0, 2})), () -> in(u(1, -1, 1, 3, 4))),
                g("indexSelect dim 1", x -> x.get(0).indexSelect(1, idx(new long[] {3, 1})), () -> in(u(2, -1, 1, 3, 4))),
                g("gather dim 1", x -> x.get(0).gather(1, idx(new long[] {0, 0, 1, 0, 2, 1}, 3, 2)), () -> in(u(3, -1, 1, 3, 3))),
                g("gather dim 0", x -> x.get(0).gather(0, idx(new long[] {2, 0, 1, 1}, 1, 4)), () -> in(u(4, -1, 1, 3, 4))),
                g("scatter dim 1 (grad wrt self and src)",
                        x -> x.get(0).scatter(1, idx(new long[] {0, 2, 1, 3, 3, 0}, 3, 2), x.get(1)),
                        () -> in(u(5, -1, 1, 3, 4), u(6, -1, 1, 3, 2))),
                g("scatterAdd dim 1 repeated indices (grad wrt self and src)",
                        x -> x.get(0).scatterAdd(1, idx(new long[] {0, 0, 1, 3, 2, 2}, 3, 2), x.get(1)),
                        () -> in(u(7, -1, 1, 3, 4), u(8, -1, 1, 3, 2))),
                g("scatterAdd dim 0", x -> x.get(0).scatterAdd(0, idx(new long[] {1, 0, 1, 1, 1, 0}, 2, 3), x.get(1)),
                        () -> in(u(9, -1, 1, 2, 3), u(10, -1, 1, 2, 3))),
                g("maskedFill", x -> x.get(0).maskedFill(mask(new boolean[] {T, F, F, T, F, T, T, F, F, F, T, F}, 3, 4), 0.5),
                        () -> in(u(11, -1, 1, 3, 4))),
                g("maskedFill broadcast mask [4]", x -> x.get(0).maskedFill(mask(new boolean[] {F, T, F, T}, 4), -2),
                        () -> in(u(12, -1, 1, 3, 4))),
                g("maskedSelect", x -> x.get(0).maskedSelect(mask(new boolean[] {T, F, F, T, F, T, T, F, F, F, T, F}, 3, 4)),
                        () -> in(u(13, -1, 1, 3, 4))),
                g("maskedSelect broadcast mask [4]", x -> x.get(0).maskedSelect(mask(new boolean[] {F, T, T, F}, 4)),
                        () -> in(u(14, -1, 1, 3, 4))),
                g("where (grad wrt both branches, broadcast)",
                        x -> Torch.where(mask(new boolean[] {T, F, F, T, F, T, T, F, F, F, T, T}, 3, 4), x.get(0), x.get(1)),
                        () -> in(u(15, -1, 1, 3, 4), u(16, -1, 1, 4))),
                g("index bool mask (all dims)", x -> x.get(0).index(mask(new boolean[] {T, F, F, T, F, T, T, F, F, F, T, F}, 3, 4)),
                        () -> in(u(17, -1, 1, 3, 4))),
                g("index bool mask (rows)", x -> x.get(0).index(mask(new boolean[] {T, F, T}, 3)), () -> in(u(18, -1, 1, 3, 4))),
                g("index int (repeated)", x -> x.get(0).index(idx(new long[] {2, 0, 2, -1})), () -> in(u(19, -1, 1, 3, 4))),
                g("index int 2-D", x -> x.get(0).index(idx(new long[] {0, 1, 2, 2}, 2, 2)), () -> in(u(20, -1, 1, 3, 4))),
                g("indexPut int (grad wrt self and values)", x -> x.get(0).indexPut(idx(new long[] {3, 1}), x.get(1), false),
                        () -> in(u(21, -1, 1, 4, 3), u(22, -1, 1, 2, 3))),
                g("indexPut int accumulate repeated", x -> x.get(0).indexPut(idx(new long[] {1, 1, 3}), x.get(1), true),
                        () -> in(u(23, -1, 1, 4, 3), u(24, -1, 1, 3, 3))),
                g("indexPut bool mask, values broadcast", x -> x.get(0).indexPut(mask(new boolean[] {F, T, F, T}, 4), x.get(1), false),
                        () -> in(u(25, -1, 1, 4, 3), u(26, -1, 1, 3))),
                g("indexPut bool mask all dims accumulate",
                        x -> x.get(0).indexPut(mask(new boolean[] {T, F, F, T, F, T, T, F, F, F, T, F}, 4, 3), x.get(1), true),
                        () -> in(u(27, -1, 1, 4, 3), u(28, -1, 1, 5))));
    }
}
