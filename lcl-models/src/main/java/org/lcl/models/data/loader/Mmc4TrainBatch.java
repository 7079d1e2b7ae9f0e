package org.lcl.models.data.loader;

import java.util.List;
import java.util.Objects;

import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;

/**
 * One batch from {@link Mmc4BatchLoader}, still in host memory: B documents' id sequences
 * ({@code [B, L]}, row-major) and all their images, concatenated in document order and, within a
 * document, in sequence order, in slots {@code 0..numImages-1} of a pooled
 * {@link ImageBatchBuffer} (capacity B × max_num_images). Image i therefore fills the i-th run of
 * placeholders in (row, position) order. {@link #close()} hands the buffers (images and ids) back
 * to the loader; until then the worker that made the batch may wait for a free pair.
 *
 * @param images the image buffer
 * @param numImages N_img, the images in slots 0..numImages-1
 * @param ids the id sequences, {@code batchSize * contextLength} values (pooled: valid until close)
 * @param batchSize B
 * @param contextLength L
 * @param imageNames the file names of the images, in slot order
 * @param sources where each row's document was read (shard and line)
 * @param worker the worker that made the batch
 * @param index the batch's number within that worker's epoch (0-based)
 * @param releaser returns the buffers to their pool; idempotent
 */
public record Mmc4TrainBatch(ImageBatchBuffer images, int numImages, long[] ids, int batchSize, int contextLength,
                             List<String> imageNames, List<String> sources, int worker, long index, Runnable releaser)
        implements TrainBatch {

    public Mmc4TrainBatch {
        Objects.requireNonNull(images, "images");
        if (ids.length != (long) batchSize * contextLength || sources.size() != batchSize
                || imageNames.size() != numImages || numImages > images.capacity()) {
            throw new IllegalArgumentException("batch of " + batchSize + " x " + contextLength + " with " + ids.length
                    + " ids, " + sources.size() + " sources, " + numImages + " images (" + imageNames.size()
                    + " names, buffer of " + images.capacity() + ")");
        }
    }

    /**
     * Images {@code [N_img, 3, H, W]} float32 (null when N_img is 0, which the loader never
     * delivers) and ids {@code [B, L]} int64 on device.
     */
    @Override
    public BatchTensors toTensors(Device device) {
        Tensor img = numImages == 0 ? null : images.toTensor(device, numImages);
        return new BatchTensors(img, IdRows.toTensor(ids, batchSize, contextLength, device));
    }

    /** The ids of row i (a copy). */
    public long[] row(int i) {
        return IdRows.row(ids, batchSize, contextLength, i);
    }

    @Override
    public void close() {
        releaser.run();
    }
}
