package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.lcl.torch.Functional.Reduction;
import org.opentest4j.AssertionFailedError;

/**
 * Forward values of the tensor layer's ops against PyTorch: {@code /fixtures/forward_values.json},
 * written by {@code src/test/python/make_fixtures.py}, holds for every case its inputs, the op and its
 * parameters, and PyTorch's output (dtype, shape and values). Each case is one dynamic test named after
 * it. Integer and bool results must match exactly, floating-point ones within a per-dtype tolerance
 * (overridable per case), with NaN and infinities in the same places.
 */
class ForwardValuesTest {

    private static final String RESOURCE = "/fixtures/forward_values.json";

    private static JsonNode fixtures() throws IOException {
        try (InputStream in = ForwardValuesTest.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE + " is not on the test classpath (run src/test/python/make_fixtures.py)");
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void fixturesAreThere() throws IOException {
        JsonNode root = fixtures();
        assertTrue(root.get("cases").size() >= 200, "expected at least 200 cases, found " + root.get("cases").size());
    }

    @TestFactory
    Stream<DynamicTest> forwardValues() throws IOException {
        JsonNode cases = fixtures().get("cases");
        return StreamSupport.stream(cases.spliterator(), false)
                .map(c -> dynamicTest(c.get("name").asText() + " [" + c.get("op").asText() + "]", () -> run(c)));
    }

    private static void run(JsonNode c) {
        String name = c.get("name").asText();
        try (Scope scope = Scope.open()) {
            List<Tensor> inputs = new ArrayList<>();
            for (JsonNode in : c.get("inputs")) {
                inputs.add(tensor(in));
            }
            List<Tensor> actual = apply(c.get("op").asText(), c.get("params"), inputs);
            JsonNode exp = c.get("expected");
            List<JsonNode> expected = new ArrayList<>();
            if (exp.isArray()) {
                exp.forEach(expected::add);
            } else {
                expected.add(exp);
            }
            assertEquals(expected.size(), actual.size(), name + ": number of outputs");
            for (int i = 0; i < expected.size(); i++) {
                String ctx = expected.size() == 1 ? name : name + " (output " + i + ")";
                assertTensor(ctx, expected.get(i), actual.get(i), c.path("atol").asDouble(-1), c.path("rtol").asDouble(-1));
            }
        } catch (RuntimeException e) { // a TorchException names the C op only: name the case as well
            throw new AssertionFailedError(name + ": " + e, e);
        }
    }

    // ---- JSON -> tensors ----------------------------------------------------------------------

    private static double number(JsonNode n) {
        if (n.isTextual()) {
            return switch (n.asText()) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException("not a number: " + n);
            };
        }
        return n.asDouble();
    }

    private static long[] longs(JsonNode n) {
        long[] r = new long[n.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = n.get(i).asLong();
        }
        return r;
    }

    private static Tensor tensor(JsonNode n) {
        DType dtype = DType.parse(n.get("dtype").asText());
        long[] shape = longs(n.get("shape"));
        JsonNode data = n.get("data");
        int len = data.size();
        Tensor flat;
        switch (dtype) {
            case FLOAT32, BFLOAT16, FLOAT16 -> {
                float[] f = new float[len];
                for (int i = 0; i < len; i++) {
                    f[i] = (float) number(data.get(i));
                }
                flat = Torch.tensor(f);
            }
            case FLOAT64 -> {
                double[] d = new double[len];
                for (int i = 0; i < len; i++) {
                    d[i] = number(data.get(i));
                }
                flat = Torch.tensor(d);
            }
            case INT32 -> {
                int[] v = new int[len];
                for (int i = 0; i < len; i++) {
                    v[i] = data.get(i).asInt();
                }
                flat = Torch.tensor(v);
            }
            case BOOL -> {
                boolean[] b = new boolean[len];
                for (int i = 0; i < len; i++) {
                    b[i] = data.get(i).asBoolean();
                }
                flat = Torch.tensor(b);
            }
            default -> flat = Torch.tensor(longs(data)); // int64, and uint8/int8/int16 converted below
        }
        Tensor t = flat.to(dtype).reshape(shape);
        assertEquals(dtype, t.dtype());
        return t;
    }

    // ---- the op of a case ---------------------------------------------------------------------

    private static List<Tensor> one(Tensor t) {
        return List.of(t);
    }

    private static long[] dims(JsonNode p, String key) {
        return p.has(key) ? longs(p.get(key)) : new long[0];
    }

    private static DType dtype(JsonNode p) {
        return p.has("dtype") ? DType.parse(p.get("dtype").asText()) : null;
    }

    private static Reduction reduction(JsonNode p) {
        return Reduction.valueOf(p.get("reduction").asText().toUpperCase(java.util.Locale.ROOT));
    }

    private static List<Tensor> apply(String op, JsonNode p, List<Tensor> in) {
        Tensor x = in.isEmpty() ? null : in.get(0);
        Tensor y = in.size() > 1 ? in.get(1) : null;
        Tensor z = in.size() > 2 ? in.get(2) : null;
        double value = p.path("value").asDouble();
        return switch (op) {
            // elementwise
            case "add" -> one(p.has("alpha") ? x.add(y, p.get("alpha").asDouble()) : x.add(y));
            case "add_scalar" -> one(x.add(value));
            case "sub" -> one(x.sub(y));
            case "sub_scalar" -> one(x.sub(value));
            case "rsub_scalar" -> one(x.rsub(value));
            case "mul" -> one(x.mul(y));
            case "mul_scalar" -> one(x.mul(value));
            case "div" -> one(x.div(y));
            case "div_scalar" -> one(x.div(value));
            case "pow" -> one(x.pow(y));
            case "pow_scalar" -> one(x.pow(value));
            case "maximum" -> one(x.maximum(y));
            case "minimum" -> one(x.minimum(y));
            case "eq" -> one(x.eq(y));
            case "ne" -> one(x.ne(y));
            case "lt" -> one(x.lt(y));
            case "le" -> one(x.le(y));
            case "gt" -> one(x.gt(y));
            case "ge" -> one(x.ge(y));
            case "eq_scalar" -> one(x.eq(value));
            case "ne_scalar" -> one(x.ne(value));
            case "lt_scalar" -> one(x.lt(value));
            case "le_scalar" -> one(x.le(value));
            case "gt_scalar" -> one(x.gt(value));
            case "ge_scalar" -> one(x.ge(value));
            case "logicalAnd" -> one(x.logicalAnd(y));
            case "logicalOr" -> one(x.logicalOr(y));
            case "logicalNot" -> one(x.logicalNot());
            case "neg" -> one(x.neg());
            case "abs" -> one(x.abs());
            case "exp" -> one(x.exp());
            case "log" -> one(x.log());
            case "sqrt" -> one(x.sqrt());
            case "rsqrt" -> one(x.rsqrt());
            case "tanh" -> one(x.tanh());
            case "sigmoid" -> one(x.sigmoid());
            case "relu" -> one(x.relu());
            case "sin" -> one(x.sin());
            case "cos" -> one(x.cos());
            case "reciprocal" -> one(x.reciprocal());
            case "square" -> one(x.square());
            case "log1p" -> one(x.log1p());
            case "expm1" -> one(x.expm1());
            case "sign" -> one(x.sign());
            case "floor" -> one(x.floor());
            case "ceil" -> one(x.ceil());
            case "round" -> one(x.round());
            case "silu" -> one(x.silu());
            case "erf" -> one(x.erf());
            case "clamp" -> one(x.clamp(p.get("min").asDouble(), p.get("max").asDouble()));
            case "clampMin" -> one(x.clampMin(p.get("min").asDouble()));
            case "clampMax" -> one(x.clampMax(p.get("max").asDouble()));
            // reductions
            case "sum" -> one(p.has("dims") ? x.sum(dims(p, "dims"), p.get("keepdim").asBoolean(), dtype(p)) : x.sum());
            case "mean" -> one(p.has("dims") ? x.mean(dims(p, "dims"), p.get("keepdim").asBoolean(), dtype(p)) : x.mean());
            case "std" -> one(p.has("correction")
                    ? x.std(dims(p, "dims"), p.get("correction").asLong(), p.get("keepdim").asBoolean()) : x.std());
            case "var" -> one(p.has("correction")
                    ? x.var(dims(p, "dims"), p.get("correction").asLong(), p.get("keepdim").asBoolean()) : x.var());
            case "norm" -> one(p.has("p")
                    ? x.norm(number(p.get("p")), dims(p, "dims"), p.get("keepdim").asBoolean()) : x.norm());
            case "max" -> one(x.max());
            case "min" -> one(x.min());
            case "max_dim" -> {
                ValuesIndices r = x.max(p.get("dim").asLong(), p.get("keepdim").asBoolean());
                yield List.of(r.values(), r.indices());
            }
            case "min_dim" -> {
                ValuesIndices r = x.min(p.get("dim").asLong(), p.get("keepdim").asBoolean());
                yield List.of(r.values(), r.indices());
            }
            case "argmax" -> one(p.has("dim") ? x.argmax(p.get("dim").asLong(), p.get("keepdim").asBoolean()) : x.argmax());
            case "argmin" -> one(x.argmin(p.get("dim").asLong(), p.get("keepdim").asBoolean()));
            case "topk" -> {
                ValuesIndices r = p.has("dim")
                        ? x.topk(p.get("k").asLong(), p.get("dim").asLong(), p.get("largest").asBoolean(), true)
                        : x.topk(p.get("k").asLong());
                yield List.of(r.values(), r.indices());
            }
            case "cumsum" -> one(x.cumsum(p.get("dim").asLong()));
            case "any" -> one(x.any());
            case "all" -> one(x.all());
            case "logsumexp" -> one(Functional.logsumexp(x, dims(p, "dims"), p.get("keepdim").asBoolean()));
            // linear algebra
            case "matmul" -> one(x.matmul(y));
            case "bmm" -> one(x.bmm(y));
            case "addmm" -> one(p.has("beta") ? x.addmm(y, z, p.get("beta").asDouble(), p.get("alpha").asDouble()) : x.addmm(y, z));
            case "linear" -> one(Functional.linear(x, y, z));
            case "conv2d" -> one(Functional.conv2d(x, y, z, p.get("stride").asLong(), p.get("padding").asLong()));
            case "conv2d_full" -> one(Functional.conv2d(x, y, z, p.get("strideH").asLong(), p.get("strideW").asLong(),
                    p.get("padH").asLong(), p.get("padW").asLong(), p.get("dilationH").asLong(), p.get("dilationW").asLong(),
                    p.get("groups").asLong()));
            // nn
            case "layerNorm" -> one(Functional.layerNorm(x, dims(p, "normalizedShape"), y, z, p.get("eps").asDouble()));
            case "gelu" -> one(p.get("approximate").asBoolean() ? Functional.gelu(x, true) : x.gelu());
            case "quickGelu" -> one(Functional.quickGelu(x));
            case "softmax" -> one(p.has("dtype") ? Functional.softmax(x, p.get("dim").asLong(), dtype(p)) : x.softmax(p.get("dim").asLong()));
            case "logSoftmax" -> one(p.has("dtype") ? Functional.logSoftmax(x, p.get("dim").asLong(), dtype(p))
                    : x.logSoftmax(p.get("dim").asLong()));
            case "dropout" -> one(Functional.dropout(x, p.get("p").asDouble(), p.get("training").asBoolean()));
            case "embedding" -> one(Functional.embedding(x, y));
            case "oneHot" -> one(Functional.oneHot(x, p.get("numClasses").asLong()));
            case "crossEntropy" -> one(Functional.crossEntropy(x, y, z, reduction(p), p.path("ignoreIndex").asLong(-100),
                    p.path("labelSmoothing").asDouble(0.0)));
            case "mseLoss" -> one(Functional.mseLoss(x, y, reduction(p)));
            case "normalize" -> one(p.has("p")
                    ? Functional.normalize(x, p.get("p").asDouble(), p.get("dim").asLong(), p.get("eps").asDouble())
                    : Functional.normalize(x));
            case "sdpa" -> {
                Tensor mask = in.size() > 3 ? in.get(3) : null;
                boolean causal = p.get("causal").asBoolean();
                yield one(p.has("scale")
                        ? Functional.scaledDotProductAttention(x, y, z, mask, 0.0, causal, p.get("scale").asDouble())
                        : Functional.scaledDotProductAttention(x, y, z, mask, causal));
            }
            case "interpolateBicubic" -> one(Functional.interpolateBicubic(x, p.get("h").asLong(), p.get("w").asLong(),
                    p.get("alignCorners").asBoolean(), p.get("antialias").asBoolean()));
            // indexing
            case "nonzero" -> one(x.nonzero());
            case "maskedSelect" -> one(x.maskedSelect(y));
            case "maskedFill" -> one(x.maskedFill(y, value));
            case "where" -> one(Torch.where(x, y, z));
            case "index" -> one(x.index(y));
            case "indexPut" -> one(x.indexPut(y, z, p.get("accumulate").asBoolean()));
            case "indexSelect" -> one(x.indexSelect(p.get("dim").asLong(), y));
            case "gather" -> one(x.gather(p.get("dim").asLong(), y));
            case "scatter" -> one(x.scatter(p.get("dim").asLong(), y, z));
            case "scatterAdd" -> one(x.scatterAdd(p.get("dim").asLong(), y, z));
            case "triu" -> one(x.triu(p.get("diagonal").asLong()));
            case "tril" -> one(x.tril(p.get("diagonal").asLong()));
            // creation
            case "linspace" -> one(Torch.linspace(p.get("start").asDouble(), p.get("end").asDouble(), p.get("steps").asLong(),
                    TensorOptions.of(dtype(p))));
            case "arange" -> one(Torch.arange(p.get("start").asDouble(), p.get("end").asDouble(), p.get("step").asDouble(),
                    TensorOptions.of(dtype(p))));
            case "arange_end" -> one(Torch.arange(p.get("end").asLong()));
            // shape
            case "view" -> one(x.view(dims(p, "shape")));
            case "reshape_t" -> one(x.t().reshape(dims(p, "shape")));
            case "permute" -> one(x.permute(dims(p, "dims")).contiguous());
            case "transpose" -> one(x.transpose(p.get("dim0").asLong(), p.get("dim1").asLong()));
            case "slice" -> one(x.slice(p.get("dim").asLong(), p.get("start").asLong(),
                    p.get("end").isNull() ? Long.MAX_VALUE : p.get("end").asLong(), p.get("step").asLong()));
            case "narrow" -> one(x.narrow(p.get("dim").asLong(), p.get("start").asLong(), p.get("length").asLong()));
            case "select" -> one(x.select(p.get("dim").asLong(), p.get("index").asLong()));
            case "expand" -> one(x.expand(dims(p, "shape")));
            case "repeat" -> one(x.repeat(dims(p, "repeats")));
            case "flatten" -> one(x.flatten(p.get("startDim").asLong(), p.get("endDim").asLong()));
            case "squeeze" -> one(p.has("dim") ? x.squeeze(p.get("dim").asLong()) : x.squeeze());
            case "unsqueeze" -> one(x.unsqueeze(p.get("dim").asLong()));
            case "cat" -> one(Torch.cat(in, p.get("dim").asLong()));
            case "stack" -> one(Torch.stack(in, p.get("dim").asLong()));
            case "split" -> x.split(p.get("size").asLong(), p.get("dim").asLong());
            case "split_sizes" -> x.split(dims(p, "sizes"), p.get("dim").asLong());
            case "chunk" -> x.chunk(p.get("chunks").asLong(), p.get("dim").asLong());
            case "to" -> one(x.to(dtype(p)));
            case "clone" -> one(x.clone());
            default -> throw new AssertionError("unknown op '" + op + "' in " + RESOURCE);
        };
    }

    // ---- comparison ---------------------------------------------------------------------------

    private static void assertTensor(String ctx, JsonNode exp, Tensor actual, double atolOverride, double rtolOverride) {
        DType dtype = DType.parse(exp.get("dtype").asText());
        assertEquals(dtype, actual.dtype(), ctx + ": dtype");
        assertArrayEquals(longs(exp.get("shape")), actual.shape(), ctx + ": shape");
        JsonNode data = exp.get("data");
        assertEquals(data.size(), actual.numel(), ctx + ": numel");
        if (dtype == DType.BOOL) {
            boolean[] a = actual.toBooleanArray();
            for (int i = 0; i < a.length; i++) {
                if (a[i] != data.get(i).asBoolean()) {
                    fail(ctx + ": element " + i + " is " + a[i] + ", expected " + data.get(i) + "\n  actual " + Arrays.toString(a));
                }
            }
        } else if (!dtype.isFloatingPoint()) {
            long[] e = longs(data);
            long[] a = actual.to(DType.INT64).toLongArray();
            assertArrayEquals(e, a, ctx + ": values");
        } else {
            double atol = atolOverride >= 0 ? atolOverride : switch (dtype) {
                case FLOAT64 -> 1e-10;
                case FLOAT32 -> 1e-6;
                default -> 1e-3; // bfloat16, float16
            };
            double rtol = rtolOverride >= 0 ? rtolOverride : switch (dtype) {
                case FLOAT64 -> 1e-9;
                case FLOAT32 -> 1e-5;
                default -> 1e-2;
            };
            double[] a = actual.to(DType.FLOAT64).toDoubleArray();
            StringBuilder errors = new StringBuilder();
            int bad = 0;
            for (int i = 0; i < a.length; i++) {
                double e = number(data.get(i));
                boolean ok = Double.isNaN(e) ? Double.isNaN(a[i])
                        : Double.isInfinite(e) ? a[i] == e
                        : Math.abs(a[i] - e) <= atol + rtol * Math.abs(e);
                if (!ok) {
                    if (bad < 8) {
                        errors.append(String.format("%n  element %d: actual %.9g, expected %.9g", i, a[i], e));
                    }
                    bad++;
                }
            }
            if (bad > 0) {
                fail(ctx + ": " + bad + " of " + a.length + " elements differ (atol " + atol + ", rtol " + rtol + ")" + errors);
            }
        }
    }
}
