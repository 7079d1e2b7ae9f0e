package org.lcl.torch.serialization;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.lcl.torch.DType;

/**
 * A tensor as a checkpoint holds it, in host memory: a strided view of a storage, as in PyTorch.
 *
 * <p>{@code storage} is the whole storage: its bytes are indices {@code [0, limit())} of the buffer, little-endian
 * whatever the buffer's {@link ByteBuffer#order() order} says; position and order are ignored and never changed here.
 * Tensors that view one storage share one buffer instance, and {@link TorchSave} writes a buffer instance once, so
 * views survive a round trip. {@code storageOffset} and {@code stride} count elements, as in PyTorch.
 * {@code device} is the location the tensor was saved from ({@code "cpu"}, {@code "cuda:0"}), kept as a string
 * because a checkpoint may name devices this process doesn't have.
 *
 * <p>Equality means "the same view of the same storage": equal metadata and the identical buffer instance.
 * To compare contents, compare {@link #contiguousBytes()}.
 */
public record HostTensor(
        DType dtype,
        long[] shape,
        long[] stride,
        long storageOffset,
        ByteBuffer storage,
        String device,
        boolean requiresGrad) {

    public HostTensor {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(device, "device");
        shape = shape.clone();
        stride = stride.clone();
        if (shape.length != stride.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride) + " differ in rank");
        }
        if (requiresGrad && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("only floating point tensors can require grad, not " + dtype);
        }
        int es = dtype.elementSize();
        if (storage.limit() % es != 0) {
            throw new IllegalArgumentException(
                    "storage of " + storage.limit() + " bytes is not a whole number of " + dtype + " elements");
        }
        checkExtent(shape, stride, storageOffset, storage.limit() / es);
    }

    /** Product of sizes; exact so that an expanded view with a hostile shape fails here instead of wrapping. */
    private static long numelOf(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s == 0) {
                return 0;
            }
        }
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** The view must lie inside the storage; exact arithmetic so that hostile sizes fail instead of wrapping. */
    private static void checkExtent(long[] shape, long[] stride, long offset, long storageNumel) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative storage offset " + offset);
        }
        long last = offset;
        boolean empty = false;
        try {
            numelOf(shape);
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] < 0 || stride[d] < 0) {
                    throw new IllegalArgumentException("negative size or stride: shape " + Arrays.toString(shape)
                            + ", stride " + Arrays.toString(stride));
                }
                empty |= shape[d] == 0;
                if (shape[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, stride[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor extent overflows: shape " + Arrays.toString(shape)
                    + ", stride " + Arrays.toString(stride));
        }
        if (empty ? offset > storageNumel : last >= storageNumel) {
            throw new IllegalArgumentException("view (offset " + offset + ", shape " + Arrays.toString(shape)
                    + ", stride " + Arrays.toString(stride) + ") exceeds its storage of " + storageNumel + " elements");
        }
    }

    /** A tensor on {@code "cpu"} that owns {@code data} as its row-major contents (its bytes {@code [0, limit())}). */
    public static HostTensor ofContiguous(DType dtype, long[] shape, ByteBuffer data) {
        long numel = numelOf(shape);
        if (data.limit() != numel * dtype.elementSize()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + numel * dtype.elementSize() + " bytes, got " + data.limit());
        }
        return new HostTensor(dtype, shape, contiguousStride(shape), 0, data, "cpu", false);
    }

    /** Row-major strides for {@code shape}, as {@code torch.empty(shape).stride()}. */
    public static long[] contiguousStride(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= Math.max(shape[d], 1);
        }
        return stride;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] stride() {
        return stride.clone();
    }

    public int dim() {
        return shape.length;
    }

    public long numel() {
        return numelOf(shape);
    }

    /** The same view with another {@code requires_grad} flag. */
    public HostTensor withRequiresGrad(boolean flag) {
        return new HostTensor(dtype, shape, stride, storageOffset, storage, device, flag);
    }

    /** Whether the elements lie row-major and gap-free in the storage (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) {
                return true;
            }
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * The elements in row-major order, little-endian, {@code numel() * elementSize()} bytes from position 0.
     * A contiguous tensor gives a read-only view of its storage (no copy); others are gathered into a new buffer.
     */
    public ByteBuffer contiguousBytes() {
        int es = dtype.elementSize();
        long bytes = Math.multiplyExact(numel(), es);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + bytes + " bytes exceeds a Java buffer");
        }
        if (isContiguous()) {
            return storage.slice((int) (storageOffset * es), (int) bytes).asReadOnlyBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        byte[] out = new byte[(int) bytes];
        gather(out, es);
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Copies row by row along the last dimension; runs are bulk copies when that dimension is dense. */
    private void gather(byte[] out, int es) {
        int rank = shape.length; // >= 1: a 0-dim tensor is always contiguous
        long rowLength = shape[rank - 1];
        long rowStride = stride[rank - 1];
        long[] index = new long[rank - 1];
        int pos = 0;
        while (pos < out.length) {
            long start = storageOffset;
            for (int d = 0; d < rank - 1; d++) {
                start += index[d] * stride[d];
            }
            if (rowStride == 1) {
                int len = (int) (rowLength * es);
                storage.get((int) (start * es), out, pos, len);
                pos += len;
            } else {
                for (long i = 0; i < rowLength; i++) {
                    storage.get((int) ((start + i * rowStride) * es), out, pos, es);
                    pos += es;
                }
            }
            for (int d = rank - 2; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(stride, t.stride)
                && storageOffset == t.storageOffset
                && storage == t.storage
                && device.equals(t.device)
                && requiresGrad == t.requiresGrad;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(stride), storageOffset,
                System.identityHashCode(storage), device, requiresGrad);
    }

    @Override
    public String toString() {
        return "HostTensor[" + dtype + ", shape=" + Arrays.toString(shape) + ", stride=" + Arrays.toString(stride)
                + ", offset=" + storageOffset + ", device=" + device + (requiresGrad ? ", requires_grad" : "") + "]";
    }
}
