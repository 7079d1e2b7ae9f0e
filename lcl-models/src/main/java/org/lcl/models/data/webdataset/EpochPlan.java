package org.lcl.models.data.webdataset;

/**
 * The epoch arithmetic of OpenCLIP's {@code get_wds_dataset} for training:
 * <pre>
 * global_batch       = batch_size * world_size
 * num_batches        = ceil(num_samples / global_batch)        (floor when asked)
 * num_workers        = max(1, workers)
 * num_worker_batches = ceil(num_batches / num_workers)         (floor when asked)
 * num_batches        = num_worker_batches * num_workers        (per rank, per epoch)
 * num_samples        = num_batches * global_batch              (all ranks, per epoch)
 * </pre>
 * Every data worker of every rank yields exactly {@code numWorkerBatches} full batches per
 * epoch (WebDataset's {@code with_epoch}): a worker that runs out of shards starts over on
 * them, so every rank takes the same number of steps and distributed training cannot stall
 * on a rank with less data. Partial batches are never produced.
 *
 * @param requestedSamples the samples per epoch asked for (flag or sizes.json)
 * @param sizeSource where requestedSamples came from: "--train-num-samples", "sizes.json", "__len__"
 * @param batchSize per-process batch size
 * @param worldSize number of processes (ranks)
 * @param requestedWorkers {@code --workers}
 * @param numWorkers data workers per rank the plan is for (see {@link WebDataset#plan()})
 * @param globalBatchSize batchSize · worldSize
 * @param numBatches batches (= optimiser steps) per epoch on each rank
 * @param numWorkerBatches batches each data worker yields per epoch
 * @param numSamples samples seen per epoch over all ranks (the figure in the log line)
 */
public record EpochPlan(long requestedSamples, String sizeSource, int batchSize, int worldSize, int requestedWorkers,
                        int numWorkers, long globalBatchSize, long numBatches, long numWorkerBatches, long numSamples) {

    /** OpenCLIP's arithmetic with {@code round_fn = ceil} (the training default). */
    public static EpochPlan compute(long numSamples, String sizeSource, int batchSize, int worldSize, int workers) {
        return compute(numSamples, sizeSource, batchSize, worldSize, workers, Math.max(1, workers), false);
    }

    /**
     * @param numWorkers the workers per rank actually used (normally max(1, workers))
     * @param floor round down instead of up (OpenCLIP's {@code floor=True})
     */
    public static EpochPlan compute(long numSamples, String sizeSource, int batchSize, int worldSize, int workers,
                                    int numWorkers, boolean floor) {
        if (numSamples <= 0) {
            throw new WebDatasetException("the number of samples per epoch must be positive, got " + numSamples);
        }
        if (batchSize <= 0 || worldSize <= 0 || numWorkers <= 0) {
            throw new IllegalArgumentException("batch size, world size and workers must be positive: "
                    + batchSize + ", " + worldSize + ", " + numWorkers);
        }
        long global = (long) batchSize * worldSize;
        long batches = floor ? numSamples / global : ceilDiv(numSamples, global);
        long workerBatches = floor ? batches / numWorkers : ceilDiv(batches, numWorkers);
        if (workerBatches == 0) {
            throw new WebDatasetException("an epoch of " + numSamples + " samples holds no full batch of " + global
                    + " (batch size " + batchSize + " x " + worldSize + " processes x " + numWorkers + " workers)");
        }
        batches = workerBatches * numWorkers;
        return new EpochPlan(numSamples, sizeSource, batchSize, worldSize, workers, numWorkers, global, batches,
                workerBatches, batches * global);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    @Override
    public String toString() {
        return numSamples + " samples (" + requestedSamples + " from " + sizeSource + ", rounded to full batches"
                + " on every worker), " + numBatches + " batches of " + batchSize + " per rank ("
                + numWorkers + " workers x " + numWorkerBatches + "), global batch " + globalBatchSize;
    }
}
