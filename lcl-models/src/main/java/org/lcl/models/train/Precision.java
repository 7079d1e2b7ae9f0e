package org.lcl.models.train;

import java.util.Arrays;
import java.util.Locale;

import org.lcl.torch.DType;

/**
 * OpenCLIP's {@code --precision} values. The project trains with fp32, amp (fp16 autocast and a
 * dynamic loss scaler), amp_bf16 / amp_bfloat16 (bf16 autocast, no scaler), pure_bf16 and
 * pure_fp16 (the whole model cast). OpenCLIP's bf16 / fp16 (only Linear, conv and attention
 * weights cast, LayerNorm kept in fp32) are refused with a message: the mixed-dtype model is not
 * implemented yet.
 */
public enum Precision {
    FP32("fp32", null, null, false),
    AMP("amp", DType.FLOAT16, null, true),
    AMP_BF16("amp_bf16", DType.BFLOAT16, null, false),
    AMP_BFLOAT16("amp_bfloat16", DType.BFLOAT16, null, false),
    PURE_BF16("pure_bf16", null, DType.BFLOAT16, false),
    PURE_FP16("pure_fp16", null, DType.FLOAT16, false),
    BF16("bf16", null, null, false),
    FP16("fp16", null, null, false);

    private final String flag;
    private final DType autocastDtype;
    private final DType modelDtype;
    private final boolean lossScaling;

    Precision(String flag, DType autocastDtype, DType modelDtype, boolean lossScaling) {
        this.flag = flag;
        this.autocastDtype = autocastDtype;
        this.modelDtype = modelDtype;
        this.lossScaling = lossScaling;
    }

    /** The value as {@code --precision} spells it. */
    public String flag() {
        return flag;
    }

    /** The autocast dtype, or null when the forward runs without autocast. */
    public DType autocastDtype() {
        return autocastDtype;
    }

    /** The dtype of parameters and of the image input (float32 unless pure_*). */
    public DType modelDtype() {
        return modelDtype == null ? DType.FLOAT32 : modelDtype;
    }

    /** Whether a dynamic loss scaler (GradScaler) runs: fp16 autocast only. */
    public boolean lossScaling() {
        return lossScaling;
    }

    /** True for the values this project trains with. */
    public boolean supported() {
        return this != BF16 && this != FP16;
    }

    public static Precision parse(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.flag.equals(v)) {
                if (!p.supported()) {
                    throw new IllegalArgumentException("--precision " + v + " is not supported yet (OpenCLIP's "
                            + "half-cast model with LayerNorm in fp32); use amp, amp_bf16, pure_bf16, pure_fp16 or fp32");
                }
                return p;
            }
        }
        throw new IllegalArgumentException("unknown --precision " + value + "; one of "
                + Arrays.stream(values()).map(Precision::flag).toList());
    }

    @Override
    public String toString() {
        return flag;
    }
}
