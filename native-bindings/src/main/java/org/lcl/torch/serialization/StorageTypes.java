package org.lcl.torch.serialization;

import org.lcl.torch.DType;

/** The legacy typed-storage class names that checkpoints use to say a storage's element type. */
final class StorageTypes {

    private StorageTypes() {
    }

    /** {@code FloatStorage} for {@code torch.float32}: the class under module {@code torch}. */
    static String className(DType dtype) {
        return switch (dtype) {
            case UINT8 -> "ByteStorage";
            case INT8 -> "CharStorage";
            case INT16 -> "ShortStorage";
            case INT32 -> "IntStorage";
            case INT64 -> "LongStorage";
            case FLOAT16 -> "HalfStorage";
            case FLOAT32 -> "FloatStorage";
            case FLOAT64 -> "DoubleStorage";
            case BOOL -> "BoolStorage";
            case BFLOAT16 -> "BFloat16Storage";
        };
    }
}
