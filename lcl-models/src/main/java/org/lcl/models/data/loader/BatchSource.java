package org.lcl.models.data.loader;

import java.util.Iterator;
import java.util.Map;

/**
 * The batches of one epoch of one rank, in the order the trainer consumes them. Sources:
 * {@link PairedBatchLoader} (WebDataset), the MMC4 loader and the synthetic source.
 */
public interface BatchSource extends Iterator<TrainBatch>, AutoCloseable {

    /** The batches this source yields this epoch (the same on every rank). */
    long numBatches();

    /** Samples in one epoch across all ranks, as the log line's denominator. */
    long numSamples();

    /** Samples skipped so far (corrupt image, malformed line, ...), by reason; empty when none. */
    Map<String, Long> skipped();

    /** Stops any worker threads and frees the buffers; batches not yet closed must not be used. */
    @Override
    void close();
}
