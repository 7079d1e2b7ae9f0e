package org.lcl.models.data.loader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.webdataset.EpochPlan;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.data.webdataset.PairedSequence;
import org.lcl.models.data.webdataset.Rng;
import org.lcl.models.data.webdataset.SkipReason;
import org.lcl.models.data.webdataset.WdsSample;
import org.lcl.models.data.webdataset.WebDataset;
import org.lcl.models.data.webdataset.WorkerStream;

/**
 * Batches of paired WebDataset data for one epoch of one rank, made by
 * {@code plan().numWorkers()} platform threads: worker w reads {@code dataset.stream(epoch,
 * rank, w)}, decodes and transforms each image straight into a pooled {@link ImageBatchBuffer}
 * slot, wraps the caption with the {@link InterleavedWrapper}, and puts each full batch on a
 * bounded prefetch queue. The consumer iterates {@code plan().numBatches()} batches
 * (= batches per worker × workers) and {@link PairedBatch#release() releases} each one.
 *
 * <p>Images that do not decode are counted as {@link SkipReason#IMAGE_DECODE} in the
 * dataset's stats and the next sample is taken, so every batch is full. An exception in a
 * worker is rethrown from {@link #next()} as a {@link WorkerFailure} with it as the cause.
 * With one worker the batches are deterministic for (seed, epoch, rank); with more, each
 * worker's batches are, but their interleaving on the queue is not.
 *
 * <p>{@link #close()} interrupts and joins the workers, drops queued batches and frees the
 * buffers: batches not yet released must not be used after it.
 */
public final class PairedBatchLoader implements BatchSource {

    /** Salt of the random crops' generator (mixed with seed, epoch, rank, worker). */
    public static final long SALT_CROP = 0x43524F50L;


    /**
     * @param epoch the epoch (seeds the shard order, shuffles, wrapper draws and crops)
     * @param rank this process's rank
     * @param prefetch capacity of the queue of finished batches
     * @param buffersPerWorker image buffers each worker may have in flight (queued, being
     *        filled or held by the consumer); at least 1
     */
    public record Options(int epoch, int rank, int prefetch, int buffersPerWorker) {
        public Options {
            if (epoch < 0 || rank < 0 || prefetch < 1 || buffersPerWorker < 1) {
                throw new IllegalArgumentException("bad loader options: " + epoch + ", " + rank + ", " + prefetch
                        + ", " + buffersPerWorker);
            }
        }

        /** Prefetch 4 batches, 2 buffers per worker. */
        public static Options of(int epoch, int rank) {
            return new Options(epoch, rank, 4, 2);
        }
    }

    /** Counters for the trainer's log. */
    public record Throughput(long batches, long samples, double seconds, double imagesPerSecond, double waitSeconds) {
        @Override
        public String toString() {
            return String.format("loader: %d batches, %d samples in %.1f s (%.1f images/s), waited %.2f s",
                    batches, samples, seconds, imagesPerSecond, waitSeconds);
        }
    }

    /** A worker failed; the cause is what it threw. */
    public static final class WorkerFailure extends RuntimeException {
        WorkerFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final WebDataset dataset;
    private final InterleavedWrapper wrapper;
    private final ImageTransform transform;
    private final Options options;
    private final EpochPlan plan;
    private final WorkerQueue<PairedBatch> queue;
    private final List<BlockingQueue<ImageBatchBuffer>> pools = new ArrayList<>();
    private final List<ImageBatchBuffer> allBuffers = new ArrayList<>();
    private long samples;

    public PairedBatchLoader(WebDataset dataset, InterleavedWrapper wrapper, ImageTransform transform, Options options) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        this.wrapper = Objects.requireNonNull(wrapper, "wrapper");
        this.transform = Objects.requireNonNull(transform, "transform");
        this.options = Objects.requireNonNull(options, "options");
        this.plan = dataset.plan();
        this.queue = new WorkerQueue<>("data loader", "paired-loader",
                "(epoch " + options.epoch() + ", rank " + options.rank() + ")", options.prefetch());
        for (int w = 0; w < plan.numWorkers(); w++) {
            BlockingQueue<ImageBatchBuffer> pool = new ArrayBlockingQueue<>(options.buffersPerWorker());
            for (int i = 0; i < options.buffersPerWorker(); i++) {
                ImageBatchBuffer b = new ImageBatchBuffer(plan.batchSize(), transform.size());
                allBuffers.add(b);
                pool.add(b);
            }
            pools.add(pool);
        }
        queue.start(plan.numWorkers(), this::runWorker);
    }

    /** Names of this loader's worker threads start with this. */
    public String threadNamePrefix() {
        return queue.threadNamePrefix();
    }

    public EpochPlan plan() {
        return plan;
    }

    /** Batches this loader yields: batches per worker × workers. */
    public long numBatches() {
        return plan.numWorkerBatches() * plan.numWorkers();
    }

    @Override
    public long numSamples() {
        return plan.numSamples();
    }

    @Override
    public Map<String, Long> skipped() {
        Map<String, Long> out = new LinkedHashMap<>();
        dataset.stats().snapshot().skipped().forEach((reason, n) -> {
            if (n > 0) {
                out.put(reason.description(), n);
            }
        });
        return out;
    }

    @Override
    public boolean hasNext() {
        return !queue.isClosed() && queue.delivered() < numBatches();
    }

    /**
     * The next batch, waiting for one if needed.
     *
     * @throws WorkerFailure if a worker failed
     * @throws NoSuchElementException after {@link #numBatches()} batches
     * @throws IllegalStateException after {@link #close()}, or when interrupted
     */
    @Override
    public PairedBatch next() {
        PairedBatch b = queue.next(numBatches());
        samples += b.batchSize();
        return b;
    }

    /** Batches and samples handed out so far, the rate since the loader started, and the time spent waiting in next(). */
    public Throughput throughput() {
        double secs = queue.secondsSinceStart();
        return new Throughput(queue.delivered(), samples, secs, secs > 0 ? samples / secs : 0, queue.waitSeconds());
    }

    private void runWorker(int w) throws Exception {
        int batchSize = plan.batchSize();
        int ctx = wrapper.contextLength();
        BlockingQueue<ImageBatchBuffer> pool = pools.get(w);
        try (WorkerStream stream = dataset.stream(options.epoch(), options.rank(), w);
                ImagePreprocessor pre = new ImagePreprocessor(transform)) {
            Rng wrapRng = new Rng(stream.seed(WebDataset.SALT_WRAPPER));
            Rng cropRng = new Rng(stream.seed(SALT_CROP));
            RandomGenerator crops = cropRng::nextLong;
            for (long index = 0; index < plan.numWorkerBatches(); index++) {
                ImageBatchBuffer buffer = pool.take();
                long[] ids = new long[batchSize * ctx];
                String[] keys = new String[batchSize];
                int i = 0;
                while (i < batchSize) {
                    if (queue.stopping()) {
                        throw new InterruptedException();
                    }
                    WdsSample sample = stream.next();
                    try {
                        pre.process(sample.image(), crops, buffer.slot(i));
                    } catch (ImageDecodeException e) {
                        dataset.stats().skip(SkipReason.IMAGE_DECODE, sample.shard(), sample.key(), e.getMessage());
                        continue;
                    }
                    PairedSequence seq = wrapper.wrap(sample, wrapRng);
                    int[] row = seq.ids();
                    for (int j = 0; j < ctx; j++) {
                        ids[i * ctx + j] = row[j];
                    }
                    keys[i] = sample.key();
                    i++;
                }
                AtomicBoolean released = new AtomicBoolean();
                Runnable release = () -> {
                    if (released.compareAndSet(false, true)) {
                        pool.offer(buffer);
                    }
                };
                queue.put(new PairedBatch(buffer, ids, batchSize, ctx, List.of(keys), w, index, release));
            }
        }
    }

    /** Stops the workers (interrupt and join), drops queued batches and frees the image buffers. */
    @Override
    public void close() {
        queue.close(() -> allBuffers.forEach(ImageBatchBuffer::close));
    }
}
