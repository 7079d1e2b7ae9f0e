package org.lcl.models.data.webdataset;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * A WebDataset (LAION layout) training source with OpenCLIP's semantics. {@link #open} checks
 * everything that can be checked before training (patterns, files, epoch size, shard count
 * against ranks and workers) and throws {@link WebDatasetException} with a message for the
 * user; afterwards bad data is skipped and counted in {@link #stats()}, never thrown.
 *
 * <p>Each data worker of each rank reads its own {@link WorkerStream}
 * ({@link #stream(int, int, int)}), an endless, deterministic sequence of samples for a given
 * (seed, epoch, rank, worker). The consumer takes {@link EpochPlan#numWorkerBatches()} full
 * batches from each worker per epoch (OpenCLIP's {@code with_epoch}).
 * <ul>
 * <li>Not resampled: the shard list is buffer-shuffled with seed + epoch (the same order on
 *     every rank and worker), split by rank ({@code shards[rank::world]}) then by worker
 *     ({@code [worker::workers]}); each worker reads its shards through a sample shuffle
 *     buffer, and starts over on them (a new shuffle) when they run out before the epoch
 *     ends.</li>
 * <li>Resampled: each worker draws shards with replacement, weighted by the upsampling
 *     factors, from its own generator (seed, epoch, rank, worker); same sample shuffle buffer.</li>
 * </ul>
 * Fewer shards than workers × ranks (OpenCLIP asserts, WebDataset would spin forever on a
 * worker without shards): with at least one shard per rank the pipeline uses
 * floor(shards / ranks) workers per rank and logs a warning ({@link EpochPlan#numWorkers()}
 * tells the loader how many to start); with fewer shards than ranks, {@code open} fails.
 */
public final class WebDataset {

    private static final System.Logger LOG = System.getLogger(WebDataset.class.getName());

    static final long SALT_SHARD_ORDER = 0x5348415244L;
    static final long SALT_SAMPLES = 0x53414d504cL;
    static final long SALT_RESAMPLE = 0x524553414dL;
    /** Salt for consumers' own per-stream randomness (e.g. the interleaved wrapper). */
    public static final long SALT_WRAPPER = 0x5752415050L;

    /** Shards read when looking for a first usable sample before training. */
    static final int PREFLIGHT_SHARDS = 8;

    private final WebDatasetConfig config;
    private final ShardList shardList;
    private final EpochPlan plan;
    private final WebDatasetStats stats = new WebDatasetStats();

    private WebDataset(WebDatasetConfig config, ShardList shardList, EpochPlan plan) {
        this.config = config;
        this.shardList = shardList;
        this.plan = plan;
    }

    /** Resolves the shards, the epoch size and the plan; checks that there is data. */
    public static WebDataset open(WebDatasetConfig config) {
        if (config.batchSize() <= 0) {
            throw new WebDatasetException("--batch-size must be positive, got " + config.batchSize());
        }
        if (config.worldSize() <= 0) {
            throw new WebDatasetException("world size must be positive, got " + config.worldSize());
        }
        if (config.workers() < 0) {
            throw new WebDatasetException("--workers must be >= 0, got " + config.workers());
        }
        if (config.shardShuffleSize() < 1 || config.sampleShuffleSize() < 1 || config.shardShuffleInitial() < 0
                || config.sampleShuffleInitial() < 0) {
            throw new WebDatasetException("shuffle buffer sizes must be >= 1 and initial fills >= 0");
        }
        if (config.upsamplingFactors() != null && !config.upsamplingFactors().isBlank() && !config.resampled()) {
            throw new WebDatasetException("--train-data-upsampling-factors is only supported when sampling with "
                    + "replacement: add --dataset-resampled");
        }
        ShardList shards = ShardList.resolve(config.trainData(), config.resampled() ? config.upsamplingFactors() : null,
                config.allowMissingShards());
        List<Shard> list = shards.shards();
        if (list.stream().allMatch(WebDataset::isEmptyFile)) {
            throw new WebDatasetException("the dataset is empty: all " + list.size() + " shards of --train-data are empty files");
        }

        long samples;
        String source;
        if (config.trainNumSamples() != null) {
            if (config.trainNumSamples() <= 0) {
                throw new WebDatasetException("--train-num-samples must be positive, got " + config.trainNumSamples());
            }
            samples = config.trainNumSamples();
            source = "--train-num-samples";
        } else {
            DatasetSize size = DatasetSize.of(list);
            if (!size.known()) {
                throw new WebDatasetException("cannot tell how many samples an epoch has: no --train-num-samples was "
                        + "given and there is " + size.source() + ". Pass --train-num-samples N, or write a sizes.json "
                        + "({\"shard.tar\": count, ...}) beside the shards (scripts/lcl data make-shards writes one)");
            }
            if (size.samples() == 0) {
                throw new WebDatasetException("the dataset is empty: " + size.source() + " gives 0 samples for the "
                        + list.size() + " shards of --train-data");
            }
            samples = size.samples();
            source = size.source();
        }

        int workers = Math.max(1, config.workers());
        int numWorkers = workers;
        if (!config.resampled()) {
            int world = config.worldSize();
            if (list.size() < world) {
                throw new WebDatasetException("only " + list.size() + " shards for " + world + " processes: every "
                        + "process needs at least one shard. Use --dataset-resampled, or split the data into more shards");
            }
            if (list.size() < workers * world) {
                numWorkers = list.size() / world;
                LOG.log(System.Logger.Level.WARNING, "only " + list.size() + " shards for " + world + " processes x "
                        + workers + " workers: using " + numWorkers + " data workers per process so that each has a "
                        + "shard (OpenCLIP stops here with 'number of shards must be >= total workers'). More shards, "
                        + "or --dataset-resampled, keep all workers busy");
            }
        }
        EpochPlan plan = EpochPlan.compute(samples, source, config.batchSize(), config.worldSize(), config.workers(),
                numWorkers, false);
        WebDataset ds = new WebDataset(config, shards, plan);
        ds.preflight();
        return ds;
    }

    private static boolean isEmptyFile(Shard s) {
        try {
            return Files.size(s.path()) == 0;
        } catch (IOException e) {
            return false; // let the reader report it
        }
    }

    /** Looks for one usable sample in the first shards, so that an empty dataset fails now. */
    private void preflight() {
        List<Shard> list = shardList.shards();
        int n = Math.min(PREFLIGHT_SHARDS, list.size());
        WebDatasetStats scratch = new WebDatasetStats();
        for (int i = 0; i < n; i++) {
            try (TarShardReader r = new TarShardReader(list.get(i).path(), scratch, config.maxMemberBytes())) {
                if (r.hasNext()) {
                    return;
                }
            }
        }
        String msg = "no usable sample (an image .jpg/.png/.jpeg/.webp plus a .txt caption under one key) in "
                + (n == list.size() ? "any of the " + n : "the first " + n + " of the " + list.size()) + " shards ("
                + ShardList.preview(list.subList(0, n)) + "): " + scratch.summary();
        if (n == list.size()) {
            throw new WebDatasetException("the dataset is empty: " + msg);
        }
        LOG.log(System.Logger.Level.WARNING, msg);
    }

    public WebDatasetConfig config() {
        return config;
    }

    public ShardList shardList() {
        return shardList;
    }

    public List<Shard> shards() {
        return shardList.shards();
    }

    public EpochPlan plan() {
        return plan;
    }

    /** Counters over all workers' streams. */
    public WebDatasetStats stats() {
        return stats;
    }

    /** The epoch's shard order (not resampled): a buffer shuffle seeded with seed + epoch. */
    public List<Shard> epochShardOrder(int epoch) {
        Rng rng = new Rng(Rng.mix(SALT_SHARD_ORDER, config.seed() + epoch));
        return BufferShuffle.shuffle(shards(), config.shardShuffleSize(), config.shardShuffleInitial(), rng);
    }

    /** The shards one worker of one rank reads in an epoch (not resampled). */
    public List<Shard> shardsFor(int epoch, int rank, int worker) {
        checkIndices(rank, worker);
        if (config.resampled()) {
            throw new IllegalStateException("resampled datasets draw shards at random; they are not assigned");
        }
        return slice(slice(epochShardOrder(epoch), rank, config.worldSize()), worker, plan.numWorkers());
    }

    /** The endless sample stream of one worker of one rank in an epoch. */
    public WorkerStream stream(int epoch, int rank, int worker) {
        checkIndices(rank, worker);
        return new WorkerStream(this, epoch, rank, worker);
    }

    /** Every sample of the shards once, in file order, without shuffling (inspection, tests). */
    public ShardSamples readAllInOrder() {
        return new ShardSamples(shards().iterator(), stats, config.maxMemberBytes(), null);
    }

    private void checkIndices(int rank, int worker) {
        if (rank < 0 || rank >= config.worldSize()) {
            throw new IllegalArgumentException("rank " + rank + " outside [0, " + config.worldSize() + ")");
        }
        if (worker < 0 || worker >= plan.numWorkers()) {
            throw new IllegalArgumentException("worker " + worker + " outside [0, " + plan.numWorkers() + ")");
        }
    }

    /** Python's {@code items[start::step]}. */
    static <T> List<T> slice(List<T> items, int start, int step) {
        List<T> out = new ArrayList<>();
        for (int i = start; i < items.size(); i += step) {
            out.add(items.get(i));
        }
        return out;
    }
}
