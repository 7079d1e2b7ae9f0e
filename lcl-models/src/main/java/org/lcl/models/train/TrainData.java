package org.lcl.models.train;

import org.lcl.models.data.loader.BatchSource;

/** The training set as the trainer sees it: one {@link BatchSource} per epoch. */
public interface TrainData {

    /** Batches per epoch on this rank (the same every epoch). */
    long numBatches();

    /** Samples per epoch over all ranks (the log line's denominator). */
    long numSamples();

    /** The batches of epoch (seeded by it: shard order, shuffles, crops). */
    BatchSource open(int epoch);
}
