package org.lcl.models.data.loader;

import java.util.List;
import java.util.Objects;

import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;

/**
 * One batch from {@link PairedBatchLoader}, still in host memory: the images
 * ({@code [B, 3, H, W]} float32 in a pooled {@link ImageBatchBuffer}) and the interleaved id
 * sequences ({@code [B, L]}, row-major). Call {@link #release()} (or {@link #close()}) once the
 * tensors are made, so the loader can reuse the image buffer; until then the worker that
 * made it may wait for a free buffer.
 *
 * @param images the image buffer; slots 0..batchSize-1 hold the images, one per row of ids
 * @param ids the id sequences, {@code batchSize * contextLength} values
 * @param batchSize B
 * @param contextLength L
 * @param keys the sample keys, one per row (for logging and tests)
 * @param worker the worker that made the batch
 * @param index the batch's number within that worker's epoch (0-based)
 * @param releaser returns the buffer to its pool; idempotent
 */
public record PairedBatch(ImageBatchBuffer images, long[] ids, int batchSize, int contextLength, List<String> keys,
                          int worker, long index, Runnable releaser) implements TrainBatch {

    public PairedBatch {
        Objects.requireNonNull(images, "images");
        if (ids.length != (long) batchSize * contextLength || keys.size() != batchSize) {
            throw new IllegalArgumentException("batch of " + batchSize + " x " + contextLength + " with "
                    + ids.length + " ids and " + keys.size() + " keys");
        }
    }

    @Override
    public int numImages() {
        return batchSize;
    }

    /** Images {@code [B, 3, H, W]} float32 and ids {@code [B, L]} int64 on device. */
    @Override
    public BatchTensors toTensors(Device device) {
        Tensor img = images.toTensor(device, batchSize);
        return new BatchTensors(img, IdRows.toTensor(ids, batchSize, contextLength, device));
    }

    /** The ids of row i (a copy). */
    public long[] row(int i) {
        return IdRows.row(ids, batchSize, contextLength, i);
    }

    /** Hands the image buffer back to the loader; the batch must not be used afterwards. */
    public void release() {
        releaser.run();
    }

    @Override
    public void close() {
        release();
    }
}
