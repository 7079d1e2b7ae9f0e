package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.*;

import java.lang.foreign.MemorySegment;

/** Neural-network functions: {@code torch.nn.functional}, with PyTorch's defaults. */
public final class Functional {

    /** {@code reduction} of the losses, as PyTorch's strings "none", "mean", "sum". */
    public enum Reduction {
        NONE, MEAN, SUM
    }

    private Functional() {}

    private static MemorySegment orNull(Tensor t) {
        return t == null ? MemorySegment.NULL : t.handle();
    }

    /** {@code x @ weight.T + bias}, weight [out, in] as torch.nn.Linear; bias may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        ThreadState s = ThreadState.current();
        check(lcl_linear(x.handle(), weight.handle(), orNull(bias), s.out0), "linear");
        return s.take0();
    }

    /** 2-D convolution; bias may be null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long stride, long padding) {
        return conv2d(x, weight, bias, stride, stride, padding, padding, 1, 1, 1);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long strideH, long strideW, long padH, long padW,
                                long dilationH, long dilationW, long groups) {
        ThreadState s = ThreadState.current();
        check(lcl_conv2d(x.handle(), weight.handle(), orNull(bias), strideH, strideW, padH, padW, dilationH, dilationW,
                groups, s.out0), "conv2d");
        return s.take0();
    }

    /** Layer norm over the trailing normalizedShape dims; weight and bias may be null. */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        ThreadState s = ThreadState.current();
        check(lcl_layer_norm(x.handle(), s.dims(normalizedShape), normalizedShape.length, orNull(weight), orNull(bias), eps,
                s.out0), "layer_norm");
        return s.take0();
    }

    /** GELU: exact (erf) by default in PyTorch; tanh approximation when approximateTanh. */
    public static Tensor gelu(Tensor x, boolean approximateTanh) {
        ThreadState s = ThreadState.current();
        check(lcl_gelu(x.handle(), approximateTanh ? 1 : 0, s.out0), "gelu");
        return s.take0();
    }

    /** OpenAI CLIP's QuickGELU: {@code x * sigmoid(1.702 x)}. */
    public static Tensor quickGelu(Tensor x) {
        try (Scope tmp = Scope.open()) {
            Tensor r = x.mul(x.mul(1.702).sigmoid());
            return r.moveOut();
        }
    }

    public static Tensor softmax(Tensor x, long dim) {
        return softmax(x, dim, null);
    }

    /** Softmax, computed in dtype when given (as {@code F.softmax(x, dim, dtype=...)}). */
    public static Tensor softmax(Tensor x, long dim, DType dtype) {
        ThreadState s = ThreadState.current();
        check(lcl_softmax(x.handle(), dim, dtype == null ? -1 : dtype.code(), s.out0), "softmax");
        return s.take0();
    }

    public static Tensor logSoftmax(Tensor x, long dim) {
        return logSoftmax(x, dim, null);
    }

    public static Tensor logSoftmax(Tensor x, long dim, DType dtype) {
        ThreadState s = ThreadState.current();
        check(lcl_log_softmax(x.handle(), dim, dtype == null ? -1 : dtype.code(), s.out0), "log_softmax");
        return s.take0();
    }

    public static Tensor logsumexp(Tensor x, long[] dims, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_logsumexp(x.handle(), s.dims(dims), dims.length, keepdim ? 1 : 0, s.out0), "logsumexp");
        return s.take0();
    }

    /** Dropout with probability p; identity when not training. */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        ThreadState s = ThreadState.current();
        check(lcl_dropout(x.handle(), p, training ? 1 : 0, s.out0), "dropout");
        return s.take0();
    }

    /** Rows of weight selected by integer indices ({@code F.embedding}). */
    public static Tensor embedding(Tensor weight, Tensor indices) {
        ThreadState s = ThreadState.current();
        check(lcl_embedding(weight.handle(), indices.handle(), -1, s.out0), "embedding");
        return s.take0();
    }

    /** Cross entropy with class-index targets; PyTorch's defaults: mean, ignore_index -100, no smoothing. */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, Reduction.MEAN, -100, 0.0);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction, long ignoreIndex,
                                      double labelSmoothing) {
        ThreadState s = ThreadState.current();
        check(lcl_cross_entropy(input.handle(), target.handle(), orNull(weight), reduction.ordinal(), ignoreIndex,
                labelSmoothing, s.out0), "cross_entropy");
        return s.take0();
    }

    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        ThreadState s = ThreadState.current();
        check(lcl_mse_loss(input.handle(), target.handle(), reduction.ordinal(), s.out0), "mse_loss");
        return s.take0();
    }

    /** L2-normalise along the last dimension ({@code F.normalize(x, dim=-1)}, eps 1e-12). */
    public static Tensor normalize(Tensor x) {
        return normalize(x, 2.0, -1, 1e-12);
    }

    public static Tensor normalize(Tensor x, double p, long dim, double eps) {
        ThreadState s = ThreadState.current();
        check(lcl_normalize(x.handle(), p, dim, eps, s.out0), "normalize");
        return s.take0();
    }

    /**
     * softmax(q kᵀ · scale + mask) v over [..., L, E] inputs. attnMask: additive float or boolean
     * (true = attend), or null; scale <= 0 means 1/sqrt(E). libtorch's fused kernel on 2.1+.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP,
                                                   boolean isCausal, double scale) {
        ThreadState s = ThreadState.current();
        check(lcl_scaled_dot_product_attention(q.handle(), k.handle(), v.handle(), orNull(attnMask), dropoutP,
                isCausal ? 1 : 0, scale, s.out0), "scaled_dot_product_attention");
        return s.take0();
    }

    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, boolean isCausal) {
        return scaledDotProductAttention(q, k, v, attnMask, 0.0, isCausal, 0.0);
    }

    public static Tensor oneHot(Tensor t, long numClasses) {
        ThreadState s = ThreadState.current();
        check(lcl_one_hot(t.handle(), numClasses, s.out0), "one_hot");
        return s.take0();
    }

    /** Bicubic resize of [N, C, H, W] ({@code F.interpolate(mode="bicubic")}), optionally antialiased. */
    public static Tensor interpolateBicubic(Tensor x, long outH, long outW, boolean alignCorners, boolean antialias) {
        ThreadState s = ThreadState.current();
        check(lcl_interpolate_bicubic(x.handle(), outH, outW, alignCorners ? 1 : 0, antialias ? 1 : 0, s.out0),
                "interpolate_bicubic");
        return s.take0();
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_}: scales the gradients of params in place so that their
     * total norm is at most maxNorm; returns the total norm before clipping.
     */
    public static double clipGradNorm_(java.util.List<Tensor> params, double maxNorm, double normType) {
        ThreadState s = ThreadState.current();
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment hs = s.handles(params, a);
            check(lcl_clip_grad_norm_(hs, params.size(), maxNorm, normType, s.doubleOut), "clip_grad_norm_");
        }
        return s.doubleResult();
    }
}
