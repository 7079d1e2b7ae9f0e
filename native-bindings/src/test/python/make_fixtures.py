#!/usr/bin/python3
"""Writes src/test/resources/fixtures/forward_values.json: forward values of the tensor layer's ops
computed by PyTorch, the reference for ForwardValuesTest.

Run with the system interpreter, whose python3-torch is the reference:

    /usr/bin/python3 native-bindings/src/test/python/make_fixtures.py

Deterministic: every input comes from a formula (sines of aranges, modular integer sequences), never
from torch's RNG, and is stored inline in the JSON next to the expected output, so the Java side needs
no formula of its own. Each case is

    {"name": ..., "op": ..., "params": {...},
     "inputs": [{"shape": [...], "dtype": "float32", "data": [...]}, ...],
     "expected": {"shape", "dtype", "data"}  or a list of them (ops with several outputs)}

"op" and "params" name the Java call (see ForwardValuesTest.apply). Floats are JSON numbers (float32
ones in their shortest round-trip form) or the strings "nan", "inf", "-inf"; bools are JSON booleans.
An optional "atol"/"rtol" overrides the Java side's per-dtype tolerance.
"""

import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.set_grad_enabled(False)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "forward_values.json")

F32, F64, I64, I32, I16, I8, U8, BOOL = (torch.float32, torch.float64, torch.int64, torch.int32, torch.int16,
                                         torch.int8, torch.uint8, torch.bool)
BF16, F16 = torch.bfloat16, torch.float16

# ---- encoding --------------------------------------------------------------------------------


def f32_repr(v):
    """The shortest decimal that parses back to the same float32."""
    want = struct.pack("<f", v)
    for p in range(6, 10):
        s = "%.*g" % (p, v)
        if struct.pack("<f", float(s)) == want:
            return float(s)
    return v


def num(v, dtype):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f32_repr(v) if dtype == F32 else v


def enc(t):
    t = t.detach().contiguous()
    name = str(t.dtype).replace("torch.", "")
    flat = t.reshape(-1)
    if t.dtype == BOOL:
        data = [bool(v) for v in flat.tolist()]
    elif t.dtype.is_floating_point:
        data = [num(v, t.dtype) for v in flat.to(F64).tolist()]
    else:
        data = [int(v) for v in flat.tolist()]
    return {"shape": list(t.shape), "dtype": name, "data": data}


CASES = []
NAMES = set()


def case(name, op, inputs, expected, atol=None, rtol=None, **params):
    assert name not in NAMES, name
    NAMES.add(name)
    c = {"name": name, "op": op, "params": params, "inputs": [enc(t) for t in inputs]}
    if isinstance(expected, (list, tuple)):
        c["expected"] = [enc(e) for e in expected]
    else:
        c["expected"] = enc(expected)
    if atol is not None:
        c["atol"] = atol
    if rtol is not None:
        c["rtol"] = rtol
    CASES.append(c)


# ---- inputs by formula -------------------------------------------------------------------------


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def wave(shape, dtype=F32, a=0.7, b=0.3, scale=2.0, offset=0.0):
    """offset + scale * sin(a * i + b), i = 0..n-1, computed in float64 then cast."""
    i = torch.arange(numel(shape), dtype=F64)
    return (offset + scale * torch.sin(a * i + b)).reshape(shape).to(dtype)


def positive(shape, dtype=F32, a=0.9, b=0.1, lo=0.2, hi=3.0):
    i = torch.arange(numel(shape), dtype=F64)
    return (lo + (hi - lo) * (0.5 + 0.5 * torch.sin(a * i + b))).reshape(shape).to(dtype)


def ints(shape, lo, hi, dtype=I64, mul=7, add=3):
    """lo + (mul * i + add) mod (hi - lo)."""
    i = torch.arange(numel(shape), dtype=I64)
    return (lo + (mul * i + add) % (hi - lo)).reshape(shape).to(dtype)


def distinct(shape, dtype=F32, mul=5, scale=0.25, offset=-1.0):
    """offset + scale * ((mul * i) mod n): distinct values when gcd(mul, n) == 1 (no ties)."""
    n = numel(shape)
    assert math.gcd(mul, n) == 1
    i = torch.arange(n, dtype=I64)
    return (offset + scale * ((mul * i) % n).to(F64)).reshape(shape).to(dtype)


def bools(shape, mul=5, add=1, mod=3):
    i = torch.arange(numel(shape), dtype=I64)
    return ((mul * i + add) % mod == 0).reshape(shape)


def lit(values, dtype):
    return torch.tensor(values, dtype=dtype)


# ---- elementwise arithmetic and type promotion -------------------------------------------------

a23, b3 = wave([2, 3]), wave([3], a=1.3, b=-0.4)
case("add f32 [2,3]+[3]", "add", [a23, b3], a23 + b3)
ai = ints([2, 3], -5, 6)
case("add int64+float32 -> float32", "add", [ai, b3], ai + b3)
ai32 = ints([2, 3], -50, 50, I32, mul=11)
ai64 = ints([3], -9, 9, I64, mul=5)
case("add int32+int64 -> int64", "add", [ai32, ai64], ai32 + ai64)
a64 = wave([2, 3], F64, a=0.4)
case("add float32+float64 -> float64", "add", [a23, a64], a23 + a64)
au8, ai8 = ints([4], 250, 256, U8), ints([4], -128, 127, I8, mul=77)
case("add uint8+int8 -> int16", "add", [au8, ai8], au8 + ai8)
case("add alpha -0.5", "add", [a23, b3], torch.add(a23, b3, alpha=-0.5), alpha=-0.5)
case("add bool+bool -> bool (logical or)", "add", [bools([5]), bools([5], mul=2)], bools([5]) + bools([5], mul=2))
case("add scalar float32", "add_scalar", [a23], a23 + 1.25, value=1.25)
case("add scalar int64+2.5 -> float32", "add_scalar", [ai], ai + 2.5, value=2.5)
case("add scalar int64+3.0 -> float32", "add_scalar", [ai], ai + 3.0, value=3.0)
a213, b41 = wave([2, 1, 3]), wave([4, 1], a=0.5)
case("sub [2,1,3]-[4,1]", "sub", [a213, b41], a213 - b41)
case("sub int64-int64", "sub", [ai, ai64], ai - ai64)
case("sub scalar", "sub_scalar", [a23], a23 - 0.75, value=0.75)
case("rsub scalar", "rsub_scalar", [a23], torch.rsub(a23, 2.0), value=2.0)
case("rsub scalar int64 -> float32", "rsub_scalar", [ai], torch.rsub(ai, 2.5), value=2.5)
a31, b14 = wave([3, 1]), wave([1, 4], a=1.1)
case("mul [3,1]*[1,4]", "mul", [a31, b14], a31 * b14)
case("mul bool*float32 -> float32", "mul", [bools([2, 3]), a23], bools([2, 3]) * a23)
case("mul int32*int32 -> int32", "mul", [ai32, ai32], ai32 * ai32)
case("mul scalar", "mul_scalar", [a23], a23 * -1.5, value=-1.5)
case("mul scalar int32*2.5 -> float32", "mul_scalar", [ai32], ai32 * 2.5, value=2.5)
den = positive([3], a=0.8) * lit([1, -1, 1], F32)
case("div [2,3]/[3]", "div", [a23, den], a23 / den)
ni, di = lit([-7, 7, 9, -9, 0, 5], I64), lit([2, 2, -4, -4, 3, 8], I64)
case("div int64/int64 -> float32 (true division)", "div", [ni, di], ni / di)
nz = lit([1.0, -1.0, 0.0, 2.0], F32)
dz = lit([0.0, 0.0, 0.0, 4.0], F32)
case("div by zero -> inf, -inf, nan", "div", [nz, dz], nz / dz)
case("div scalar", "div_scalar", [a23], a23 / 0.4, value=0.4)
case("div scalar int64 -> float32", "div_scalar", [ai], ai / 4.0, value=4.0)
base, ex = positive([2, 3]), wave([3], a=0.9, scale=1.5)
case("pow tensor^tensor", "pow", [base, ex], torch.pow(base, ex))
case("pow int64^int64 -> int64", "pow", [lit([2, -3, 4, 0, 5], I64), lit([3, 3, 0, 2, 1], I64)],
     torch.pow(lit([2, -3, 4, 0, 5], I64), lit([3, 3, 0, 2, 1], I64)))
case("pow scalar 2.5", "pow_scalar", [base], torch.pow(base, 2.5), value=2.5)
case("pow scalar 3 negative base", "pow_scalar", [a23], torch.pow(a23, 3.0), value=3.0)
case("pow scalar -0.5", "pow_scalar", [base], torch.pow(base, -0.5), value=-0.5)
case("pow int64 ** 2.0 -> float32", "pow_scalar", [ai], ai ** 2.0, value=2.0)
mx_a = lit([1.0, float("nan"), -2.0, 3.0, 0.5, -1.0], F32).reshape(2, 3)
mx_b = lit([0.0, 1.0, -1.0], F32)
case("maximum with broadcast and nan", "maximum", [mx_a, mx_b], torch.maximum(mx_a, mx_b))
case("minimum with broadcast and nan", "minimum", [mx_a, mx_b], torch.minimum(mx_a, mx_b))
case("maximum int64 vs float32 -> float32", "maximum", [ai, b3], torch.maximum(ai, b3))

# ---- comparisons -> bool ------------------------------------------------------------------------

ca = lit([[1.0, 2.0, 3.0], [4.0, 5.0, float("nan")]], F32)
cb = lit([1.0, 5.0, 3.0], F32)
for fn in ["eq", "ne", "lt", "le", "gt", "ge"]:
    case(f"{fn} tensor broadcast", fn, [ca, cb], getattr(torch, fn)(ca, cb))
    case(f"{fn} scalar", fn + "_scalar", [ca], getattr(torch, fn)(ca, 3.0), value=3.0)
cl = lit([1, 2, 3, 4, 5, 6], I64).reshape(2, 3)
case("eq int64 vs float32", "eq", [cl, cb], torch.eq(cl, cb))
case("lt int64 scalar 3.5", "lt_scalar", [cl], cl < 3.5, value=3.5)
case("logicalAnd", "logicalAnd", [bools([6]), bools([6], mul=2)], torch.logical_and(bools([6]), bools([6], mul=2)))
case("logicalOr float inputs", "logicalOr", [lit([0.0, 1.5, 0.0, -2.0], F32), lit([0.0, 0.0, 3.0, 1.0], F32)],
     torch.logical_or(lit([0.0, 1.5, 0.0, -2.0], F32), lit([0.0, 0.0, 3.0, 1.0], F32)))
case("logicalNot", "logicalNot", [lit([0.0, 1.5, -0.0, -2.0], F32)], torch.logical_not(lit([0.0, 1.5, -0.0, -2.0], F32)))

# ---- unary --------------------------------------------------------------------------------------

w = wave([3, 4], a=0.61, b=0.2, scale=2.5)
p = positive([3, 4])
unary_inputs = {
    "neg": w, "abs": w, "exp": w, "log": p, "sqrt": p, "rsqrt": p, "tanh": w, "sigmoid": w, "relu": w,
    "sin": w, "cos": w, "reciprocal": w, "square": w, "log1p": positive([3, 4], lo=-0.9, hi=3.0),
    "expm1": w, "sign": w, "floor": w, "ceil": w, "silu": w, "erf": w,
}
for fn, x in unary_inputs.items():
    case(fn, fn, [x], F.silu(x) if fn == "silu" else getattr(torch, fn)(x))
halves = lit([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51], F32)
case("round half to even", "round", [halves], torch.round(halves))
case("log of negative and zero -> nan, -inf", "log", [lit([-1.0, 0.0, 1.0], F32)], torch.log(lit([-1.0, 0.0, 1.0], F32)))
case("sqrt float64", "sqrt", [positive([5], F64)], torch.sqrt(positive([5], F64)))
case("abs int64 keeps dtype", "abs", [ai], torch.abs(ai))
case("neg int32 keeps dtype", "neg", [ai32], torch.neg(ai32))
case("sign int64", "sign", [ai], torch.sign(ai))
case("exp int64 -> float32", "exp", [lit([0, 1, 2], I64)], torch.exp(lit([0, 1, 2], I64)))
case("clamp", "clamp", [w], torch.clamp(w, -0.5, 0.8), min=-0.5, max=0.8)
case("clampMin", "clampMin", [w], torch.clamp_min(w, 0.1), min=0.1)
case("clampMax", "clampMax", [w], torch.clamp_max(w, 0.2), max=0.2)
case("clamp int64 with float bounds -> float32", "clamp", [ai], torch.clamp(ai, -1.5, 2.5), min=-1.5, max=2.5)

# ---- reductions ---------------------------------------------------------------------------------

r234 = wave([2, 3, 4], a=0.37)
r34 = wave([3, 4], a=0.83)
case("sum all", "sum", [r234], torch.sum(r234))
case("sum dim 1", "sum", [r234], torch.sum(r234, 1), dims=[1], keepdim=False)
case("sum dims {0,2} keepdim", "sum", [r234], torch.sum(r234, [0, 2], keepdim=True), dims=[0, 2], keepdim=True)
case("sum int32 -> int64", "sum", [ai32], torch.sum(ai32))
case("sum int32 dim 0 -> int64", "sum", [ai32], torch.sum(ai32, 0), dims=[0], keepdim=False)
case("sum bool -> int64", "sum", [bools([3, 4])], torch.sum(bools([3, 4])))
case("sum dtype float64", "sum", [r234], torch.sum(r234, [-1], dtype=F64), dims=[-1], keepdim=False, dtype="float64")
case("mean all", "mean", [r234], torch.mean(r234))
case("mean dim -1 keepdim", "mean", [r234], torch.mean(r234, -1, keepdim=True), dims=[-1], keepdim=True)
case("mean dims {0,1}", "mean", [r234], torch.mean(r234, [0, 1]), dims=[0, 1], keepdim=False)
case("mean dtype float64", "mean", [r34], torch.mean(r34, [0], dtype=F64), dims=[0], keepdim=False, dtype="float64")
case("std all (correction 1)", "std", [r234], torch.std(r234))
case("std dim 1 correction 0 keepdim", "std", [r34], torch.std(r34, 1, unbiased=False, keepdim=True),
     dims=[1], correction=0, keepdim=True)
case("std dims {0,2} correction 1", "std", [r234], torch.std(r234, [0, 2], unbiased=True), dims=[0, 2], correction=1,
     keepdim=False)
case("var all (correction 1)", "var", [r234], torch.var(r234))
case("var all correction 0", "var", [r234], torch.var(r234, unbiased=False), dims=[], correction=0, keepdim=False)
case("var dims {1,2} correction 1 keepdim", "var", [r234], torch.var(r234, [1, 2], unbiased=True, keepdim=True),
     dims=[1, 2], correction=1, keepdim=True)
case("var dim 0 correction 0", "var", [r34], torch.var(r34, 0, unbiased=False), dims=[0], correction=0, keepdim=False)
case("norm p=2 all", "norm", [r234], torch.norm(r234))
case("norm p=1 dim 1", "norm", [r34], torch.norm(r34, 1, [1]), p=1.0, dims=[1], keepdim=False)
case("norm p=inf dim -1", "norm", [r34], torch.norm(r34, float("inf"), [-1]), p="inf", dims=[-1], keepdim=False)
case("norm p=3 dims {0,1} keepdim", "norm", [r234], torch.norm(r234, 3, [0, 1], keepdim=True), p=3.0, dims=[0, 1],
     keepdim=True)
case("norm p=2 dim 0", "norm", [r34], torch.norm(r34, 2, [0]), p=2.0, dims=[0], keepdim=False)
d34 = distinct([3, 4])
case("max all", "max", [d34], torch.max(d34))
case("min all", "min", [d34], torch.min(d34))
case("max all int64", "max", [ai], torch.max(ai))
case("max dim 1 (values, indices)", "max_dim", [d34], list(torch.max(d34, 1)), dim=1, keepdim=False)
case("min dim 0 keepdim (values, indices)", "min_dim", [d34], list(torch.min(d34, 0, keepdim=True)), dim=0, keepdim=True)
case("argmax flat", "argmax", [d34], torch.argmax(d34))
case("argmax dim 1 keepdim", "argmax", [d34], torch.argmax(d34, 1, keepdim=True), dim=1, keepdim=True)
case("argmax int64 dim 0", "argmax", [distinct([3, 5], I64, mul=7, scale=1, offset=-4)],
     torch.argmax(distinct([3, 5], I64, mul=7, scale=1, offset=-4), 0), dim=0, keepdim=False)
case("argmin dim 0", "argmin", [d34], torch.argmin(d34, 0), dim=0, keepdim=False)
d35 = distinct([3, 5], mul=7)
case("topk k=3 (values, indices)", "topk", [d35], list(torch.topk(d35, 3)), k=3)
case("topk k=2 dim 0 smallest", "topk", [d35], list(torch.topk(d35, 2, 0, largest=False)), k=2, dim=0, largest=False)
case("cumsum dim 1", "cumsum", [r34], torch.cumsum(r34, 1), dim=1)
case("cumsum dim 0 float64", "cumsum", [wave([4, 3], F64)], torch.cumsum(wave([4, 3], F64), 0), dim=0)
case("cumsum int32 -> int64", "cumsum", [ai32], torch.cumsum(ai32, 1), dim=1)
case("cumsum bool -> int64", "cumsum", [bools([7])], torch.cumsum(bools([7]), 0), dim=0)
case("any", "any", [lit([0.0, 0.0, 2.0], F32)], torch.any(lit([0.0, 0.0, 2.0], F32)))
case("any false", "any", [lit([False, False], BOOL)], torch.any(lit([False, False], BOOL)))
case("all", "all", [bools([4], mul=3, add=0, mod=1)], torch.all(bools([4], mul=3, add=0, mod=1)))
case("all false", "all", [bools([4])], torch.all(bools([4])))
case("logsumexp dim 1", "logsumexp", [r34 * 10], torch.logsumexp(r34 * 10, [1]), dims=[1], keepdim=False)
case("logsumexp dims {0,2} keepdim", "logsumexp", [r234], torch.logsumexp(r234, [0, 2], keepdim=True), dims=[0, 2],
     keepdim=True)

# ---- linear algebra -------------------------------------------------------------------------------

m34, m42 = wave([3, 4], a=0.3), wave([4, 2], a=0.45, b=1.0)
case("matmul [3,4]@[4,2]", "matmul", [m34, m42], m34 @ m42)
m234 = wave([2, 3, 4], a=0.21)
case("matmul [2,3,4]@[4,2]", "matmul", [m234, m42], m234 @ m42)
m2134, m342 = wave([2, 1, 3, 4], a=0.13), wave([3, 4, 2], a=0.27)
case("matmul broadcast [2,1,3,4]@[3,4,2]", "matmul", [m2134, m342], m2134 @ m342)
v4 = wave([4], a=0.9)
case("matmul [4]@[4,2]", "matmul", [v4, m42], v4 @ m42)
case("matmul [3,4]@[4]", "matmul", [m34, v4], m34 @ v4)
case("matmul [4]@[4] (dot)", "matmul", [v4, v4], v4 @ v4)
case("matmul int64", "matmul", [ints([2, 3], -4, 5), ints([3, 2], -3, 4, mul=5)], ints([2, 3], -4, 5) @ ints([3, 2], -3, 4, mul=5))
b234, b242 = wave([2, 3, 4], a=0.19), wave([2, 4, 2], a=0.33)
case("bmm", "bmm", [b234, b242], torch.bmm(b234, b242))
s32 = wave([3, 2], a=0.5)
case("addmm", "addmm", [s32, m34, m42], torch.addmm(s32, m34, m42))
case("addmm beta 0.5 alpha 2 self [2]", "addmm", [wave([2]), m34, m42], torch.addmm(wave([2]), m34, m42, beta=0.5, alpha=2.0),
     beta=0.5, alpha=2.0)
lx, lw, lb = wave([2, 3, 4], a=0.23), wave([5, 4], a=0.41), wave([5], a=0.7)
case("linear with bias", "linear", [lx, lw, lb], F.linear(lx, lw, lb))
case("linear without bias", "linear", [lx, lw], F.linear(lx, lw))
cx, cw, cb_ = wave([2, 2, 6, 5], a=0.17), wave([3, 2, 3, 3], a=0.29), wave([3], a=1.7)
case("conv2d stride 2 padding 1", "conv2d", [cx, cw, cb_], F.conv2d(cx, cw, cb_, stride=2, padding=1), stride=2, padding=1)
case("conv2d no bias", "conv2d", [cx, cw], F.conv2d(cx, cw), stride=1, padding=0)
gx, gw, gb = wave([1, 4, 6, 6], a=0.11), wave([4, 2, 2, 3], a=0.37), wave([4], a=0.5)
case("conv2d groups 2 dilation (2,1) stride (1,2) padding (2,1)", "conv2d_full", [gx, gw, gb],
     F.conv2d(gx, gw, gb, stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2),
     strideH=1, strideW=2, padH=2, padW=1, dilationH=2, dilationW=1, groups=2)

# ---- neural-network functions ---------------------------------------------------------------------

ln_x = wave([2, 3, 4], a=0.53, offset=0.7)
ln_w, ln_b = positive([4], lo=0.5, hi=1.5), wave([4], a=2.1, scale=0.5)
case("layerNorm [4] weight bias", "layerNorm", [ln_x, ln_w, ln_b], F.layer_norm(ln_x, [4], ln_w, ln_b),
     normalizedShape=[4], eps=1e-5)
ln_w2, ln_b2 = positive([3, 4], lo=0.5, hi=1.5), wave([3, 4], a=2.1, scale=0.5)
case("layerNorm [3,4] weight bias eps 1e-3", "layerNorm", [ln_x, ln_w2, ln_b2],
     F.layer_norm(ln_x, [3, 4], ln_w2, ln_b2, eps=1e-3), normalizedShape=[3, 4], eps=1e-3)
case("layerNorm no affine", "layerNorm", [ln_x], F.layer_norm(ln_x, [4]), normalizedShape=[4], eps=1e-5)
gl = wave([3, 5], a=0.47, scale=3.5)
case("gelu exact", "gelu", [gl], F.gelu(gl), approximate=False)
case("gelu tanh", "gelu", [gl], F.gelu(gl, approximate="tanh"), approximate=True)
case("quickGelu", "quickGelu", [gl], gl * torch.sigmoid(1.702 * gl))
sm = wave([2, 3, 4], a=0.77, scale=3.0)
case("softmax dim -1", "softmax", [sm], F.softmax(sm, -1), dim=-1)
case("softmax dim 0", "softmax", [sm], F.softmax(sm, 0), dim=0)
case("softmax dtype float64", "softmax", [sm], F.softmax(sm, 1, dtype=F64), dim=1, dtype="float64")
case("logSoftmax dim -1", "logSoftmax", [sm], F.log_softmax(sm, -1), dim=-1)
case("logSoftmax dim 1", "logSoftmax", [sm], F.log_softmax(sm, 1), dim=1)
case("logSoftmax dtype float64", "logSoftmax", [sm], F.log_softmax(sm, 2, dtype=F64), dim=2, dtype="float64")
case("dropout eval is identity", "dropout", [sm], F.dropout(sm, 0.5, training=False), p=0.5, training=False)
case("dropout p=0 train is identity", "dropout", [sm], F.dropout(sm, 0.0, training=True), p=0.0, training=True)
case("dropout p=1 train is zero", "dropout", [sm], F.dropout(sm, 1.0, training=True), p=1.0, training=True)
emb_w, emb_i = wave([6, 3], a=0.39), lit([[0, 5, 2], [2, 2, 1]], I64)
case("embedding", "embedding", [emb_w, emb_i], F.embedding(emb_i, emb_w))
case("oneHot", "oneHot", [lit([0, 3, 1, 3], I64)], F.one_hot(lit([0, 3, 1, 3], I64), 5), numClasses=5)
case("oneHot num_classes -1", "oneHot", [lit([0, 3, 1], I64)], F.one_hot(lit([0, 3, 1], I64), -1), numClasses=-1)

logits = wave([4, 5], a=0.59, scale=2.0)
tgt = lit([1, 0, 4, 2], I64)
cw5 = lit([0.5, 1.0, 2.0, 1.5, 0.8], F32)
case("crossEntropy mean", "crossEntropy", [logits, tgt], F.cross_entropy(logits, tgt), reduction="mean")
case("crossEntropy sum", "crossEntropy", [logits, tgt], F.cross_entropy(logits, tgt, reduction="sum"), reduction="sum")
case("crossEntropy none", "crossEntropy", [logits, tgt], F.cross_entropy(logits, tgt, reduction="none"), reduction="none")
tgt_ign = lit([1, -100, 4, 2], I64)
case("crossEntropy default ignore_index -100", "crossEntropy", [logits, tgt_ign], F.cross_entropy(logits, tgt_ign),
     reduction="mean")
case("crossEntropy ignore_index 2 none", "crossEntropy", [logits, tgt],
     F.cross_entropy(logits, tgt, ignore_index=2, reduction="none"), reduction="none", ignoreIndex=2)
case("crossEntropy label smoothing 0.1", "crossEntropy", [logits, tgt], F.cross_entropy(logits, tgt, label_smoothing=0.1),
     reduction="mean", labelSmoothing=0.1)
case("crossEntropy class weights", "crossEntropy", [logits, tgt, cw5], F.cross_entropy(logits, tgt, weight=cw5),
     reduction="mean")
case("crossEntropy weights + smoothing 0.2 + ignore 4, mean", "crossEntropy", [logits, tgt, cw5],
     F.cross_entropy(logits, tgt, weight=cw5, ignore_index=4, label_smoothing=0.2), reduction="mean", ignoreIndex=4,
     labelSmoothing=0.2)
case("crossEntropy weights + smoothing 0.2, sum", "crossEntropy", [logits, tgt, cw5],
     F.cross_entropy(logits, tgt, weight=cw5, label_smoothing=0.2, reduction="sum"), reduction="sum", labelSmoothing=0.2)
case("crossEntropy weights + smoothing 0.2, none", "crossEntropy", [logits, tgt, cw5],
     F.cross_entropy(logits, tgt, weight=cw5, label_smoothing=0.2, reduction="none"), reduction="none",
     labelSmoothing=0.2)
ce3, t3 = wave([2, 3, 4], a=0.31), lit([[0, 2, 1, 1], [2, 0, 0, 1]], I64)
case("crossEntropy [N,C,d]", "crossEntropy", [ce3, t3], F.cross_entropy(ce3, t3), reduction="mean")
probs = F.softmax(wave([4, 5], a=1.3), -1)
case("crossEntropy probability targets", "crossEntropy", [logits, probs], F.cross_entropy(logits, probs), reduction="mean")
case("crossEntropy all targets ignored, mean -> nan", "crossEntropy", [logits, lit([-100] * 4, I64)],
     F.cross_entropy(logits, lit([-100] * 4, I64)), reduction="mean")
mi, mt = wave([3, 4], a=0.3), wave([3, 4], a=0.7, b=1.0)
for red in ["mean", "sum", "none"]:
    case(f"mseLoss {red}", "mseLoss", [mi, mt], F.mse_loss(mi, mt, reduction=red), reduction=red)
nx = torch.cat([wave([2, 4], a=0.9), torch.zeros(1, 4)])
case("normalize default (zero row stays zero)", "normalize", [nx], F.normalize(nx, dim=-1))
case("normalize p=1 dim 0", "normalize", [wave([3, 4], a=0.8)], F.normalize(wave([3, 4], a=0.8), p=1.0, dim=0), p=1.0,
     dim=0, eps=1e-12)


def sdpa_ref(q, k, v, mask=None, causal=False, scale=None):
    """softmax(q kᵀ · scale + mask) v, in float64, as F.scaled_dot_product_attention documents it."""
    q64, k64, v64 = q.double(), k.double(), v.double()
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q64 @ k64.transpose(-2, -1) * s
    L, S = q.shape[-2], k.shape[-2]
    if causal:
        scores = scores.masked_fill(~torch.ones(L, S, dtype=BOOL).tril(), float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == BOOL else scores + mask.double()
    return (torch.softmax(scores, -1) @ v64).to(q.dtype)


q, k, v = wave([2, 2, 3, 4], a=0.31), wave([2, 2, 5, 4], a=0.43), wave([2, 2, 5, 3], a=0.57)
case("sdpa no mask", "sdpa", [q, k, v], sdpa_ref(q, k, v), causal=False, atol=1e-5)
add_mask = wave([3, 5], a=1.7, scale=1.5)
add_mask[0, 1] = float("-inf")
case("sdpa additive mask with -inf", "sdpa", [q, k, v, add_mask], sdpa_ref(q, k, v, add_mask), causal=False, atol=1e-5)
bmask = lit([[True, False, True, True, False], [False, True, False, False, True], [True, True, True, True, False]], BOOL)
case("sdpa boolean mask", "sdpa", [q, k, v, bmask], sdpa_ref(q, k, v, bmask), causal=False, atol=1e-5)
bmask4 = bools([2, 1, 3, 5], mul=3, add=1, mod=4).logical_not()
case("sdpa boolean mask [2,1,3,5] broadcast over heads", "sdpa", [q, k, v, bmask4], sdpa_ref(q, k, v, bmask4),
     causal=False, atol=1e-5)
qc, kc, vc = wave([2, 4, 3], a=0.29), wave([2, 4, 3], a=0.61), wave([2, 4, 3], a=0.83)
case("sdpa causal", "sdpa", [qc, kc, vc], sdpa_ref(qc, kc, vc, causal=True), causal=True, atol=1e-5)
case("sdpa causal L=3 < S=5 (top-left aligned)", "sdpa", [q, k, v], sdpa_ref(q, k, v, causal=True), causal=True,
     atol=1e-5)
case("sdpa scale 0.7", "sdpa", [q, k, v], sdpa_ref(q, k, v, scale=0.7), causal=False, scale=0.7, atol=1e-5)

img = wave([1, 2, 5, 6], a=0.37, scale=1.0, offset=0.5)
case("interpolateBicubic up (8,9)", "interpolateBicubic", [img],
     F.interpolate(img, size=(8, 9), mode="bicubic", align_corners=False), h=8, w=9, alignCorners=False,
     antialias=False, atol=1e-5)
case("interpolateBicubic align_corners (7,4)", "interpolateBicubic", [img],
     F.interpolate(img, size=(7, 4), mode="bicubic", align_corners=True), h=7, w=4, alignCorners=True,
     antialias=False, atol=1e-5)
big = wave([1, 3, 12, 10], a=0.23, scale=1.0, offset=0.5)
case("interpolateBicubic antialias down (5,4)", "interpolateBicubic", [big],
     F.interpolate(big, size=(5, 4), mode="bicubic", align_corners=False, antialias=True), h=5, w=4,
     alignCorners=False, antialias=True, atol=1e-5)
case("interpolateBicubic no antialias down (5,4)", "interpolateBicubic", [big],
     F.interpolate(big, size=(5, 4), mode="bicubic", align_corners=False), h=5, w=4, alignCorners=False,
     antialias=False, atol=1e-5)
case("interpolateBicubic antialias up (8,9)", "interpolateBicubic", [img],
     F.interpolate(img, size=(8, 9), mode="bicubic", align_corners=False, antialias=True), h=8, w=9,
     alignCorners=False, antialias=True, atol=1e-5)

# ---- indexing -------------------------------------------------------------------------------------

x34 = wave([3, 4], a=0.71)
m34b = bools([3, 4])
case("nonzero float", "nonzero", [lit([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], F32)],
     torch.nonzero(lit([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], F32)))
case("nonzero bool 1-D", "nonzero", [bools([7])], torch.nonzero(bools([7])))
case("maskedSelect", "maskedSelect", [x34, m34b], torch.masked_select(x34, m34b))
case("maskedSelect broadcast mask [4]", "maskedSelect", [x34, lit([False, True, True, False], BOOL)],
     torch.masked_select(x34, lit([False, True, True, False], BOOL)))
case("maskedFill", "maskedFill", [x34, m34b], x34.masked_fill(m34b, -7.5), value=-7.5)
case("maskedFill int64", "maskedFill", [ints([3, 4], 0, 9), m34b], ints([3, 4], 0, 9).masked_fill(m34b, 42.0), value=42.0)
case("where broadcast", "where", [m34b, x34, wave([4], a=0.2)], torch.where(m34b, x34, wave([4], a=0.2)))
case("where int64 vs float32 -> float32", "where", [m34b, ints([3, 4], 0, 9), x34], torch.where(m34b, ints([3, 4], 0, 9), x34))
case("index bool mask (all dims)", "index", [x34, m34b], x34[m34b])
case("index bool mask (rows)", "index", [x34, lit([True, False, True], BOOL)], x34[lit([True, False, True], BOOL)])
case("index int with repeats and -1", "index", [x34, lit([2, 0, 2, -1], I64)], x34[lit([2, 0, 2, -1], I64)])
case("index int 2-D", "index", [x34, lit([[0, 1], [2, 2]], I64)], x34[lit([[0, 1], [2, 2]], I64)])
xp, vp = wave([4, 3], a=0.66), wave([3, 3], a=0.12)
ip = lit([1, 3, 1], I64)
case("indexPut accumulate with repeats", "indexPut", [xp, ip, vp], torch.index_put(xp, (ip,), vp, accumulate=True),
     accumulate=True)
case("indexPut no accumulate", "indexPut", [xp, lit([3, 0], I64), vp[:2]],
     torch.index_put(xp, (lit([3, 0], I64),), vp[:2], accumulate=False), accumulate=False)
mp = lit([False, True, False, True], BOOL)
case("indexPut bool mask values broadcast", "indexPut", [xp, mp, wave([3], a=2.2)],
     torch.index_put(xp, (mp,), wave([3], a=2.2)), accumulate=False)
case("indexPut bool mask all dims accumulate", "indexPut", [xp, bools([4, 3]), wave([4], a=1.9)],
     torch.index_put(xp, (bools([4, 3]),), wave([4], a=1.9), accumulate=True), accumulate=True)
case("indexSelect dim 0", "indexSelect", [x34, lit([2, 0, 2], I64)], torch.index_select(x34, 0, lit([2, 0, 2], I64)),
     dim=0)
case("indexSelect dim 1", "indexSelect", [x34, lit([3, 1], I64)], torch.index_select(x34, 1, lit([3, 1], I64)), dim=1)
gi = lit([[0, 0], [1, 3], [2, 1]], I64)
case("gather dim 1", "gather", [x34, gi], torch.gather(x34, 1, gi), dim=1)
case("gather dim 0", "gather", [x34, lit([[2, 0, 1, 1]], I64)], torch.gather(x34, 0, lit([[2, 0, 1, 1]], I64)), dim=0)
si, ss = lit([[0, 2], [1, 3], [3, 0]], I64), wave([3, 2], a=1.4)
case("scatter dim 1", "scatter", [x34, si, ss], torch.scatter(x34, 1, si, ss), dim=1)
sai = lit([[0, 0], [1, 3], [2, 2]], I64)
case("scatterAdd dim 1 repeats", "scatterAdd", [x34, sai, ss], torch.scatter_add(x34, 1, sai, ss), dim=1)
case("scatterAdd dim 0", "scatterAdd", [x34, lit([[1, 0, 2, 2], [1, 1, 0, 2]], I64), wave([2, 4], a=0.9)],
     torch.scatter_add(x34, 0, lit([[1, 0, 2, 2], [1, 1, 0, 2]], I64), wave([2, 4], a=0.9)), dim=0)
x44 = wave([4, 4], a=0.5)
case("triu 0", "triu", [x44], torch.triu(x44), diagonal=0)
case("triu 1 batched", "triu", [m234], torch.triu(m234, 1), diagonal=1)
case("triu -1", "triu", [x44], torch.triu(x44, -1), diagonal=-1)
case("tril 0", "tril", [x44], torch.tril(x44), diagonal=0)
case("tril -1 batched", "tril", [m234], torch.tril(m234, -1), diagonal=-1)
case("tril 2 bool", "tril", [bools([3, 4], mod=1)], torch.tril(bools([3, 4], mod=1), 2), diagonal=2)

# ---- creation -------------------------------------------------------------------------------------

case("linspace float32 (0,1,5)", "linspace", [], torch.linspace(0, 1, 5), start=0.0, end=1.0, steps=5, dtype="float32")
case("linspace float64 (-1,2,7)", "linspace", [], torch.linspace(-1, 2, 7, dtype=F64), start=-1.0, end=2.0, steps=7,
     dtype="float64")
case("linspace float32 decreasing (3,-2,6)", "linspace", [], torch.linspace(3, -2, 6), start=3.0, end=-2.0, steps=6,
     dtype="float32")
case("linspace int64 (0,10,4) truncates", "linspace", [], torch.linspace(0, 10, 4, dtype=I64), start=0.0, end=10.0,
     steps=4, dtype="int64")
case("linspace steps 1", "linspace", [], torch.linspace(2, 5, 1), start=2.0, end=5.0, steps=1, dtype="float32")
case("arange float32 (0,1,0.1)", "arange", [], torch.arange(0, 1, 0.1), start=0.0, end=1.0, step=0.1, dtype="float32")
case("arange float64 (-1,1,0.25)", "arange", [], torch.arange(-1, 1, 0.25, dtype=F64), start=-1.0, end=1.0, step=0.25,
     dtype="float64")
case("arange int64 (0,10,3)", "arange", [], torch.arange(0, 10, 3), start=0.0, end=10.0, step=3.0, dtype="int64")
case("arange int64 (10,0,-3)", "arange", [], torch.arange(10, 0, -3), start=10.0, end=0.0, step=-3.0, dtype="int64")
case("arange int32 (-3,4,2)", "arange", [], torch.arange(-3, 4, 2, dtype=I32), start=-3.0, end=4.0, step=2.0, dtype="int32")
case("arange(5)", "arange_end", [], torch.arange(5), end=5)

# ---- views, shape, combining, conversion ------------------------------------------------------------

case("view (2,6)", "view", [x34], x34.view(2, 6), shape=[2, 6])
case("view (-1,3)", "view", [x34], x34.view(-1, 3), shape=[-1, 3])
case("reshape of transpose", "reshape_t", [x34], x34.t().reshape(12), shape=[12])
case("permute (2,0,1) contiguous", "permute", [m234], m234.permute(2, 0, 1).contiguous(), dims=[2, 0, 1])
case("transpose (0,2)", "transpose", [m234], m234.transpose(0, 2), dim0=0, dim1=2)
case("slice dim 1 [1::2]", "slice", [wave([3, 7])], wave([3, 7])[:, 1::2], dim=1, start=1, end=None, step=2)
case("slice dim 0 [-3:-1]", "slice", [wave([5, 2])], wave([5, 2])[-3:-1], dim=0, start=-3, end=-1, step=1)
case("slice end past size [2:100]", "slice", [wave([5])], wave([5])[2:100], dim=0, start=2, end=100, step=1)
case("narrow", "narrow", [m234], m234.narrow(2, 1, 2), dim=2, start=1, length=2)
case("select dim 1 index 2", "select", [m234], m234.select(1, 2), dim=1, index=2)
case("select dim 0 index -1", "select", [m234], m234.select(0, -1), dim=0, index=-1)
case("expand [3,1]->[2,3,4]", "expand", [wave([3, 1])], wave([3, 1]).expand(2, 3, 4), shape=[2, 3, 4])
case("expand -1", "expand", [wave([1, 4])], wave([1, 4]).expand(3, -1), shape=[3, -1])
case("repeat (2,1,3)", "repeat", [wave([3, 2])], wave([3, 2]).repeat(2, 1, 3), repeats=[2, 1, 3])
case("flatten", "flatten", [m234], m234.flatten(), startDim=0, endDim=-1)
case("flatten 1..2", "flatten", [m234], m234.flatten(1, 2), startDim=1, endDim=2)
sq = wave([1, 3, 1, 4])
case("squeeze all", "squeeze", [sq], sq.squeeze())
case("squeeze dim 2", "squeeze", [sq], sq.squeeze(2), dim=2)
case("squeeze dim 1 (size 3: no-op)", "squeeze", [sq], sq.squeeze(1), dim=1)
case("unsqueeze -1", "unsqueeze", [x34], x34.unsqueeze(-1), dim=-1)
case("cat dim 0", "cat", [wave([2, 3]), wave([1, 3], a=0.2)], torch.cat([wave([2, 3]), wave([1, 3], a=0.2)], 0), dim=0)
case("cat dim 1 float32+float64 -> float64", "cat", [wave([2, 3]), wave([2, 2], F64, a=0.2)],
     torch.cat([wave([2, 3]), wave([2, 2], F64, a=0.2)], 1), dim=1)
case("stack dim 1", "stack", [wave([2, 3]), wave([2, 3], a=0.2), wave([2, 3], a=0.4)],
     torch.stack([wave([2, 3]), wave([2, 3], a=0.2), wave([2, 3], a=0.4)], 1), dim=1)
sp = wave([3, 5], a=0.35)
case("split size 2 dim 1", "split", [sp], list(sp.split(2, 1)), size=2, dim=1)
case("split sizes {1,3,1} dim 1", "split_sizes", [sp], list(sp.split([1, 3, 1], 1)), sizes=[1, 3, 1], dim=1)
case("chunk 3 dim 0 of 5 rows", "chunk", [wave([5, 2])], list(wave([5, 2]).chunk(3, 0)), chunks=3, dim=0)
case("chunk 4 dim 1 of 6 columns (3 chunks)", "chunk", [wave([2, 6])], list(wave([2, 6]).chunk(4, 1)), chunks=4, dim=1)
cv = lit([-1.7, -0.5, 0.0, 0.5, 1.7, 2.9, 3.3333333, 1e-3], F32)
case("to int64 truncates toward zero", "to", [cv], cv.to(I64), dtype="int64")
case("to bool", "to", [cv], cv.to(BOOL), dtype="bool")
case("to bfloat16", "to", [cv], cv.to(BF16), dtype="bfloat16")
case("to float16", "to", [cv], cv.to(F16), dtype="float16")
case("to float64", "to", [cv], cv.to(F64), dtype="float64")
case("to int32 from int64", "to", [ai], ai.to(I32), dtype="int32")
case("to uint8 from bool", "to", [bools([5])], bools([5]).to(U8), dtype="uint8")
case("to float32 from float64 rounds", "to", [lit([1 / 3, 2 / 3, 1e-40, 1e39], F64)], lit([1 / 3, 2 / 3, 1e-40, 1e39], F64).to(F32),
     dtype="float32")
case("bfloat16 input round trip to float32", "to", [wave([5], BF16)], wave([5], BF16).to(F32), dtype="float32")
case("clone", "clone", [x34], x34.clone())

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"generator": "native-bindings/src/test/python/make_fixtures.py", "torch": torch.__version__,
               "cases": CASES}, f, separators=(",", ":"))
    f.write("\n")
print(f"{len(CASES)} cases, {os.path.getsize(OUT)} bytes -> {os.path.normpath(OUT)}")
