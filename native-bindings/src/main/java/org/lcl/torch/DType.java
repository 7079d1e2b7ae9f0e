package org.lcl.torch;

/**
 * Tensor element types, with the codes of libtorch's {@code c10::ScalarType} (stable across 1.x and 2.x).
 * Names follow PyTorch ({@code torch.float32} is {@link #FLOAT32}).
 */
public enum DType {
    UINT8(0, 1, "uint8"),
    INT8(1, 1, "int8"),
    INT16(2, 2, "int16"),
    INT32(3, 4, "int32"),
    INT64(4, 8, "int64"),
    FLOAT16(5, 2, "float16"),
    FLOAT32(6, 4, "float32"),
    FLOAT64(7, 8, "float64"),
    BOOL(11, 1, "bool"),
    BFLOAT16(15, 2, "bfloat16");

    private static final DType[] BY_CODE = new DType[16];

    static {
        for (DType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final int elementSize;
    private final String torchName;

    DType(int code, int elementSize, String torchName) {
        this.code = code;
        this.elementSize = elementSize;
        this.torchName = torchName;
    }

    /** The {@code c10::ScalarType} code passed through the C API. */
    public int code() {
        return code;
    }

    /** Bytes per element, as {@code torch.Tensor.element_size()}. */
    public int elementSize() {
        return elementSize;
    }

    /** PyTorch's name without the {@code torch.} prefix, e.g. {@code "bfloat16"}. */
    public String torchName() {
        return torchName;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT16 || this == FLOAT32 || this == FLOAT64 || this == BFLOAT16;
    }

    public static DType fromCode(int code) {
        DType t = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (t == null) {
            throw new IllegalArgumentException("unsupported libtorch scalar type code " + code);
        }
        return t;
    }

    /** Parses PyTorch names and common aliases: float32/float/fp32, bfloat16/bf16, int64/long, ... */
    public static DType parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT).replace("torch.", "")) {
            case "uint8", "byte" -> UINT8;
            case "int8", "char" -> INT8;
            case "int16", "short" -> INT16;
            case "int32", "int" -> INT32;
            case "int64", "long" -> INT64;
            case "float16", "half", "fp16" -> FLOAT16;
            case "float32", "float", "fp32" -> FLOAT32;
            case "float64", "double", "fp64" -> FLOAT64;
            case "bool" -> BOOL;
            case "bfloat16", "bf16" -> BFLOAT16;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "'");
        };
    }

    @Override
    public String toString() {
        return "torch." + torchName;
    }
}
