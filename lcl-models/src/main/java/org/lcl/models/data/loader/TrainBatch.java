package org.lcl.models.data.loader;

import org.lcl.torch.Device;

/**
 * One training batch in host memory, as a {@link BatchSource} delivers it. {@link #close()}
 * hands its buffers back to the source once {@link #toTensors} has made the device tensors.
 */
public interface TrainBatch extends AutoCloseable {

    /** B: the number of sequences (samples or documents). */
    int batchSize();

    /** N_img: the number of images (B for paired data, variable for MMC4). */
    int numImages();

    /**
     * Copies the batch to device; the tensors join the calling thread's innermost
     * {@link org.lcl.torch.Scope}. The host buffers stay valid until {@link #close()}.
     */
    BatchTensors toTensors(Device device);

    /** Releases the host buffers; idempotent. The batch must not be used afterwards. */
    @Override
    void close();
}
