package org.lcl.torch.serialization;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.lcl.torch.DType;

/** Test helpers: tensors from values given as doubles (exact in every dtype used), and values back as doubles. */
final class Tensors {

    private Tensors() {
    }

    static HostTensor tensor(DType dtype, long[] shape, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.elementSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            switch (dtype) {
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT64 -> b.putDouble(v);
                case FLOAT16 -> b.putShort(Float.floatToFloat16((float) v));
                case BFLOAT16 -> b.putShort((short) (Float.floatToIntBits((float) v) >>> 16));
                case INT64 -> b.putLong((long) v);
                case INT32 -> b.putInt((int) v);
                case INT16 -> b.putShort((short) v);
                case INT8, UINT8 -> b.put((byte) v);
                case BOOL -> b.put((byte) (v != 0 ? 1 : 0));
            }
        }
        return HostTensor.ofContiguous(dtype, shape, b.flip());
    }

    /** The elements in row-major order, each converted to double. */
    static double[] values(HostTensor t) {
        ByteBuffer b = t.contiguousBytes();
        double[] out = new double[(int) t.numel()];
        for (int i = 0; i < out.length; i++) {
            int at = i * t.dtype().elementSize();
            out[i] = switch (t.dtype()) {
                case FLOAT32 -> b.getFloat(at);
                case FLOAT64 -> b.getDouble(at);
                case FLOAT16 -> Float.float16ToFloat(b.getShort(at));
                case BFLOAT16 -> Float.intBitsToFloat((b.getShort(at) & 0xFFFF) << 16);
                case INT64 -> b.getLong(at);
                case INT32 -> b.getInt(at);
                case INT16 -> b.getShort(at);
                case INT8, BOOL -> b.get(at);
                case UINT8 -> b.get(at) & 0xFF;
            };
        }
        return out;
    }

    static double[] range(int n, double scale, double shift) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = i * scale + shift;
        }
        return out;
    }
}
