package org.lcl.models.data.loader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.mmc4.ImageRuns;
import org.lcl.models.data.mmc4.Mmc4Config;
import org.lcl.models.data.mmc4.Mmc4Exception;
import org.lcl.models.data.mmc4.Mmc4Sample;
import org.lcl.models.data.mmc4.Mmc4Shard;
import org.lcl.models.data.mmc4.Mmc4Shards;
import org.lcl.models.data.mmc4.Mmc4Stats;
import org.lcl.models.data.mmc4.Mmc4Stream;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.webdataset.EpochPlan;
import org.lcl.models.data.webdataset.Rng;

/**
 * Batches of MMC4 documents for one epoch of one rank ({@code --dataset-type mmc4}), made by
 * {@code plan.numWorkers()} platform threads: worker w runs its own {@link Mmc4Stream} (worker w
 * of W), decodes and transforms each image of each sequence straight into the next slot of a
 * pooled {@link ImageBatchBuffer} of capacity B × max_num_images, copies the ids into a pooled
 * {@code long[B × L]}, and puts each batch of B documents on a bounded prefetch queue. A batch's
 * images are those of its documents concatenated in document order (N_img varies); every batch
 * is checked to hold exactly N_img {@code <start_of_img>} and N_img × N placeholders.
 *
 * <p>An image that does not decode is skipped as the document rules ask: its run is cut out of
 * the sequence ({@link ImageRuns}) and it is counted ({@link Mmc4Stats#undecodableImage}); a
 * document left with no image is replaced by the stream's next document and counted
 * ({@link Mmc4Stats#noDecodableImage}).
 *
 * <p>The epoch is OpenCLIP's arithmetic ({@link EpochPlan}) on {@code --train-num-samples}
 * (required: MMC4 has no sizes.json): every worker of every rank yields the same number of full
 * batches, streams being endless. An exception in a worker is rethrown from {@link #next()} as a
 * {@link PairedBatchLoader.WorkerFailure}. With one worker the batches are deterministic for
 * (seed, epoch, rank). {@link #close()} interrupts and joins the workers and frees the buffers.
 */
public final class Mmc4BatchLoader implements BatchSource {

    /** An image buffer and the ids array that travel together through the pool. */
    private record Slot(ImageBatchBuffer images, long[] ids) {
    }

    private final Mmc4Config config;
    private final Tokenizer tokenizer;
    private final ImageTransform transform;
    private final Mmc4Stats stats;
    private final EpochPlan plan;
    private final PairedBatchLoader.Options options;
    private final WorkerQueue<Mmc4TrainBatch> queue;
    private final List<BlockingQueue<Slot>> pools = new ArrayList<>();
    private final List<ImageBatchBuffer> allBuffers = new ArrayList<>();
    private long documents;
    private long images;

    /**
     * The epoch of an MMC4 run: OpenCLIP's arithmetic with ceil, for the workers every rank can
     * use. A worker needs a shard of its own, so the workers per rank are
     * {@code min(max(1, workers), fewest shards any rank has)}: the same on every rank, so that
     * every rank takes the same number of steps.
     *
     * @param trainNumSamples {@code --train-num-samples}
     * @throws Mmc4Exception when trainNumSamples is missing or a rank has no shard
     */
    public static EpochPlan plan(Mmc4Config config, Long trainNumSamples, int batchSize, int worldSize, int workers) {
        if (trainNumSamples == null || trainNumSamples <= 0) {
            throw new Mmc4Exception("--dataset-type mmc4 needs --train-num-samples (documents per epoch; MMC4 has no "
                    + "sizes.json), got " + trainNumSamples);
        }
        List<Mmc4Shard> all = Mmc4Shards.discover(config.root());
        int fewest = Integer.MAX_VALUE;
        for (int r = 0; r < worldSize; r++) {
            int n = config.globalDistributed() ? Mmc4Shards.forRank(all, r, worldSize).size() : all.size();
            if (n == 0) {
                throw new Mmc4Exception("rank " + r + " of " + worldSize + " has no MMC4 shard in " + config.dataDir()
                        + " (--data-global-distributed gives rank r the shards with index % world == r; "
                        + all.size() + " shards found)");
            }
            fewest = Math.min(fewest, n);
        }
        int numWorkers = Math.min(Math.max(1, workers), fewest);
        return EpochPlan.compute(trainNumSamples, "--train-num-samples", batchSize, worldSize, workers, numWorkers, false);
    }

    /**
     * Starts the workers.
     *
     * @param stats counters shared by the workers (keep one across epochs for running totals)
     * @param plan from {@link #plan}
     * @param options epoch, rank, prefetch queue capacity and buffer pairs per worker
     */
    public Mmc4BatchLoader(Mmc4Config config, Tokenizer tokenizer, ImageTransform transform, Mmc4Stats stats,
                           EpochPlan plan, PairedBatchLoader.Options options) {
        this.config = Objects.requireNonNull(config, "config");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.transform = Objects.requireNonNull(transform, "transform");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.options = Objects.requireNonNull(options, "options");
        if (options.rank() >= plan.worldSize()) {
            throw new IllegalArgumentException("rank " + options.rank() + " of world " + plan.worldSize());
        }
        this.queue = new WorkerQueue<>("MMC4 loader", "mmc4-loader",
                "(epoch " + options.epoch() + ", rank " + options.rank() + ")", options.prefetch());
        int capacity = plan.batchSize() * config.maxImages();
        try {
            for (int w = 0; w < plan.numWorkers(); w++) {
                BlockingQueue<Slot> pool = new ArrayBlockingQueue<>(options.buffersPerWorker());
                for (int i = 0; i < options.buffersPerWorker(); i++) {
                    ImageBatchBuffer b = new ImageBatchBuffer(capacity, transform.size());
                    allBuffers.add(b);
                    pool.add(new Slot(b, new long[plan.batchSize() * config.contextLength()]));
                }
                pools.add(pool);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            allBuffers.forEach(ImageBatchBuffer::close);
            throw e;
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

    public Mmc4Stats stats() {
        return stats;
    }

    @Override
    public long numBatches() {
        return plan.numBatches();
    }

    @Override
    public long numSamples() {
        return plan.numSamples();
    }

    @Override
    public Map<String, Long> skipped() {
        return stats.skipped();
    }

    @Override
    public boolean hasNext() {
        return !queue.isClosed() && queue.delivered() < numBatches();
    }

    /**
     * The next batch, waiting for one if needed.
     *
     * @throws PairedBatchLoader.WorkerFailure if a worker failed
     * @throws NoSuchElementException after {@link #numBatches()} batches
     * @throws IllegalStateException after {@link #close()}, or when interrupted
     */
    @Override
    public Mmc4TrainBatch next() {
        Mmc4TrainBatch b = queue.next(numBatches());
        documents += b.batchSize();
        images += b.numImages();
        return b;
    }

    /** Batches and documents handed out so far, the image rate since the start, and the time spent waiting in next(). */
    public PairedBatchLoader.Throughput throughput() {
        double secs = queue.secondsSinceStart();
        return new PairedBatchLoader.Throughput(queue.delivered(), documents, secs, secs > 0 ? images / secs : 0,
                queue.waitSeconds());
    }

    private void runWorker(int w) throws Exception {
        int batchSize = plan.batchSize();
        int ctx = config.contextLength();
        int maxImages = config.maxImages();
        SpecialTokens special = tokenizer.specialTokens();
        BlockingQueue<Slot> pool = pools.get(w);
        boolean[] failed = new boolean[maxImages];
        try (Mmc4Stream stream = new Mmc4Stream(config, tokenizer, stats, options.rank(), plan.worldSize(), w,
                plan.numWorkers(), options.epoch());
                ImagePreprocessor pre = new ImagePreprocessor(transform)) {
            Rng cropRng = new Rng(Rng.mix(PairedBatchLoader.SALT_CROP, config.seed(), options.epoch(), options.rank(), w));
            RandomGenerator crops = cropRng::nextLong;
            for (long index = 0; index < plan.numWorkerBatches(); index++) {
                Slot slot = pool.take();
                ImageBatchBuffer buffer = slot.images();
                List<String> names = new ArrayList<>();
                String[] sources = new String[batchSize];
                int numImages = 0;
                int row = 0;
                while (row < batchSize) {
                    if (queue.stopping()) {
                        throw new InterruptedException();
                    }
                    Mmc4Sample sample = stream.next();
                    int k = sample.numImages();
                    if (k > maxImages) {
                        throw new IllegalStateException(sample.source() + ": " + k + " images, more than max_num_images "
                                + maxImages);
                    }
                    int decoded = 0;
                    for (int i = 0; i < k; i++) {
                        try {
                            pre.process(sample.imageBytes().get(i), crops, buffer.slot(numImages + decoded));
                            failed[i] = false;
                            decoded++;
                        } catch (ImageDecodeException e) {
                            failed[i] = true;
                            stats.undecodableImage(sample.source(), sample.imageNames().get(i), e.getMessage());
                        }
                    }
                    if (decoded == 0) {
                        stats.noDecodableImage();
                        continue;
                    }
                    Arrays.fill(failed, k, maxImages, false);
                    ImageRuns.copyWithout(sample.ids(), failed, special, config.numImageTokens(), slot.ids(), row * ctx);
                    for (int i = 0; i < k; i++) {
                        if (!failed[i]) {
                            names.add(sample.imageNames().get(i));
                        }
                    }
                    sources[row] = sample.source();
                    numImages += decoded;
                    row++;
                }
                checkPlaceholders(slot.ids(), numImages, special, w, index);
                AtomicBoolean released = new AtomicBoolean();
                Runnable release = () -> {
                    if (released.compareAndSet(false, true)) {
                        pool.offer(slot);
                    }
                };
                queue.put(new Mmc4TrainBatch(buffer, numImages, slot.ids(), batchSize, ctx, List.copyOf(names),
                        List.of(sources), w, index, release));
            }
        }
    }

    /** LCL's forward fills the i-th placeholder run with image i: the counts must agree exactly. */
    private void checkPlaceholders(long[] ids, int numImages, SpecialTokens special, int w, long index) {
        long soi = 0;
        long img = 0;
        for (long id : ids) {
            soi += id == special.startOfImage() ? 1 : 0;
            img += id == special.imagePlaceholder() ? 1 : 0;
        }
        if (soi != numImages || img != (long) numImages * config.numImageTokens()) {
            throw new IllegalStateException("MMC4 batch " + index + " of worker " + w + " holds " + numImages
                    + " images but " + soi + " <start_of_img> and " + img + " <img_placehold> tokens (N = "
                    + config.numImageTokens() + ")");
        }
    }

    /** Stops the workers (interrupt and join), drops queued batches and frees the buffers. */
    @Override
    public void close() {
        queue.close(() -> allBuffers.forEach(ImageBatchBuffer::close));
    }
}
