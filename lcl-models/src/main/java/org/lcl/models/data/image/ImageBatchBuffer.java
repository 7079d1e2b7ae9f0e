package org.lcl.models.data.image;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * Host memory for a batch of images, {@code [capacity, 3, size, size]} float32, row-major:
 * workers write image i into {@link #slot(int)} (e.g. with {@link ImagePreprocessor}) from any
 * thread, each into its own slot, and {@link #toTensor(Device, int)} then makes the batch
 * tensor with one copy of the whole block.
 *
 * <p>The memory is off-heap (a shared arena), so no Java array is copied on the way to libtorch.
 * Reuse the buffer for the next batch once {@code toTensor} has returned (the tensor owns its
 * own copy). {@link #close()} frees the memory.
 */
public final class ImageBatchBuffer implements AutoCloseable {

    private final int capacity;
    private final int size;
    private final long slotBytes;
    private final Arena arena;
    private final MemorySegment memory;

    public ImageBatchBuffer(int capacity, int size) {
        if (capacity <= 0 || size <= 0) {
            throw new IllegalArgumentException("capacity and size must be positive: " + capacity + ", " + size);
        }
        this.capacity = capacity;
        this.size = size;
        this.slotBytes = 3L * size * size * Float.BYTES;
        this.arena = Arena.ofShared();
        this.memory = arena.allocate(slotBytes * capacity, 64);
    }

    public int capacity() {
        return capacity;
    }

    /** Image height and width. */
    public int size() {
        return size;
    }

    public long slotBytes() {
        return slotBytes;
    }

    /** The 3 x size x size float32 memory of image i. */
    public MemorySegment slot(int i) {
        if (i < 0 || i >= capacity) {
            throw new IndexOutOfBoundsException("slot " + i + " of " + capacity);
        }
        return memory.asSlice(i * slotBytes, slotBytes);
    }

    /** The whole block, {@code capacity * slotBytes()} bytes. */
    public MemorySegment segment() {
        return memory;
    }

    /** All slots as a {@code [capacity, 3, size, size]} float32 tensor on device. */
    public Tensor toTensor(Device device) {
        return toTensor(device, capacity);
    }

    /**
     * The first count slots as a {@code [count, 3, size, size]} float32 tensor on device, made
     * with one copy: into a fresh CPU tensor, or for CUDA into a pinned staging tensor followed
     * by one asynchronous host-to-device copy (falling back to a pageable copy when pinned
     * memory cannot be had). The tensor joins the calling thread's innermost scope.
     */
    public Tensor toTensor(Device device, int count) {
        if (count <= 0 || count > capacity) {
            throw new IllegalArgumentException("count must be in 1.." + capacity + ": " + count);
        }
        MemorySegment data = memory.asSlice(0, count * slotBytes);
        long[] shape = {count, 3, size, size};
        if (device.type() == Device.Type.CPU) {
            return Torch.fromMemory(data, TensorOptions.of(DType.FLOAT32, Device.CPU), shape);
        }
        Tensor staging;
        try {
            staging = Torch.empty(TensorOptions.of(DType.FLOAT32, Device.CPU), true, shape);
        } catch (RuntimeException noPinnedMemory) {
            return Torch.fromMemory(data, TensorOptions.of(DType.FLOAT32, device), shape);
        }
        staging.copyFrom(data);
        return staging.to(device, null, true);
    }

    @Override
    public void close() {
        arena.close();
    }
}
