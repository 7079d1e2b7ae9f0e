package org.lcl.models.data.loader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
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

    private static final AtomicInteger LOADERS = new AtomicInteger();
    private static final long JOIN_MILLIS = 10_000;

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
    private final String threadPrefix;
    private final BlockingQueue<PairedBatch> queue;
    private final List<BlockingQueue<ImageBatchBuffer>> pools = new ArrayList<>();
    private final List<ImageBatchBuffer> allBuffers = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private record Failure(int worker, Throwable cause) {
    }

    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private final long startNanos = System.nanoTime();
    private final LongAdder waitNanos = new LongAdder();
    private volatile boolean closed;
    private long delivered;
    private long samples;

    public PairedBatchLoader(WebDataset dataset, InterleavedWrapper wrapper, ImageTransform transform, Options options) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        this.wrapper = Objects.requireNonNull(wrapper, "wrapper");
        this.transform = Objects.requireNonNull(transform, "transform");
        this.options = Objects.requireNonNull(options, "options");
        this.plan = dataset.plan();
        this.threadPrefix = "lcl-paired-loader-" + LOADERS.incrementAndGet() + "-w";
        this.queue = new ArrayBlockingQueue<>(options.prefetch());
        for (int w = 0; w < plan.numWorkers(); w++) {
            BlockingQueue<ImageBatchBuffer> pool = new ArrayBlockingQueue<>(options.buffersPerWorker());
            for (int i = 0; i < options.buffersPerWorker(); i++) {
                ImageBatchBuffer b = new ImageBatchBuffer(plan.batchSize(), transform.size());
                allBuffers.add(b);
                pool.add(b);
            }
            pools.add(pool);
        }
        for (int w = 0; w < plan.numWorkers(); w++) {
            int worker = w;
            Thread t = Thread.ofPlatform().daemon(true).name(threadPrefix + w).unstarted(() -> runWorker(worker));
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    /** Names of this loader's worker threads start with this. */
    public String threadNamePrefix() {
        return threadPrefix;
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
        return !closed && delivered < numBatches();
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
        if (closed) {
            throw new IllegalStateException("loader closed");
        }
        if (delivered >= numBatches()) {
            throw new NoSuchElementException("epoch done: " + delivered + " batches");
        }
        long t0 = System.nanoTime();
        try {
            while (true) {
                Failure f = failure.get();
                if (f != null) {
                    throw new WorkerFailure("data loader worker " + f.worker() + " of " + plan.numWorkers() + " (epoch "
                            + options.epoch() + ", rank " + options.rank() + ") failed: " + f.cause(), f.cause());
                }
                PairedBatch b = queue.poll(50, TimeUnit.MILLISECONDS);
                if (b != null) {
                    delivered++;
                    samples += b.batchSize();
                    return b;
                }
                if (closed) {
                    throw new IllegalStateException("loader closed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } finally {
            waitNanos.add(System.nanoTime() - t0);
        }
    }

    /** Batches and samples handed out so far, the rate since the loader started, and the time spent waiting in next(). */
    public Throughput throughput() {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        return new Throughput(delivered, samples, secs, secs > 0 ? samples / secs : 0, waitNanos.sum() / 1e9);
    }

    private void runWorker(int w) {
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
                    if (closed || Thread.currentThread().isInterrupted()) {
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
        } catch (InterruptedException e) {
            // close(): stop quietly
        } catch (Throwable t) {
            if (!closed) {
                failure.compareAndSet(null, new Failure(w, t));
            }
        }
    }

    /** Stops the workers (interrupt and join), drops queued batches and frees the image buffers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.forEach(Thread::interrupt);
        boolean allStopped = true;
        for (Thread t : workers) {
            try {
                t.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            allStopped &= !t.isAlive();
        }
        queue.clear();
        if (allStopped) {
            allBuffers.forEach(ImageBatchBuffer::close);
        } else {
            System.getLogger(PairedBatchLoader.class.getName()).log(System.Logger.Level.WARNING,
                    "data loader workers still running after " + JOIN_MILLIS + " ms: " + Arrays.toString(
                            workers.stream().filter(Thread::isAlive).map(Thread::getName).toArray()));
        }
    }
}
