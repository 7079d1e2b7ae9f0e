package org.lcl.models.data.webdataset;

/**
 * What a WebDataset training pipeline needs, with OpenCLIP's flag names and defaults.
 *
 * @param trainData {@code --train-data}: {@code ::}-joined sources with brace patterns
 * @param upsamplingFactors {@code --train-data-upsampling-factors}, e.g. {@code "1::2"}, or null;
 *                          needs {@code resampled}
 * @param trainNumSamples {@code --train-num-samples}, or null to read sizes.json / __len__
 * @param resampled {@code --dataset-resampled}: draw shards with replacement
 * @param batchSize {@code --batch-size} (per process)
 * @param worldSize number of processes
 * @param workers {@code --workers}: data workers per process
 * @param seed {@code --seed}
 * @param allowMissingShards skip expanded names that are not files (warning) instead of failing
 * @param shardShuffleSize shard shuffle buffer (OpenCLIP 2000)
 * @param shardShuffleInitial shard shuffle initial fill (OpenCLIP 500)
 * @param sampleShuffleSize sample shuffle buffer (OpenCLIP 5000)
 * @param sampleShuffleInitial sample shuffle initial fill (OpenCLIP 1000)
 * @param maxMemberBytes larger tar members are skipped (default 256 MiB)
 */
public record WebDatasetConfig(String trainData, String upsamplingFactors, Long trainNumSamples, boolean resampled,
                               int batchSize, int worldSize, int workers, long seed, boolean allowMissingShards,
                               int shardShuffleSize, int shardShuffleInitial, int sampleShuffleSize,
                               int sampleShuffleInitial, long maxMemberBytes) {

    public static final int SHARD_SHUFFLE_SIZE = 2000;
    public static final int SHARD_SHUFFLE_INITIAL = 500;
    public static final int SAMPLE_SHUFFLE_SIZE = 5000;
    public static final int SAMPLE_SHUFFLE_INITIAL = 1000;

    public static Builder builder(String trainData) {
        return new Builder(trainData);
    }

    public Builder toBuilder() {
        Builder b = new Builder(trainData);
        b.upsamplingFactors = upsamplingFactors;
        b.trainNumSamples = trainNumSamples;
        b.resampled = resampled;
        b.batchSize = batchSize;
        b.worldSize = worldSize;
        b.workers = workers;
        b.seed = seed;
        b.allowMissingShards = allowMissingShards;
        b.shardShuffleSize = shardShuffleSize;
        b.shardShuffleInitial = shardShuffleInitial;
        b.sampleShuffleSize = sampleShuffleSize;
        b.sampleShuffleInitial = sampleShuffleInitial;
        b.maxMemberBytes = maxMemberBytes;
        return b;
    }

    /** Builder with OpenCLIP's defaults (batch 64, 1 process, 4 workers, seed 0). */
    public static final class Builder {
        private final String trainData;
        private String upsamplingFactors;
        private Long trainNumSamples;
        private boolean resampled;
        private int batchSize = 64;
        private int worldSize = 1;
        private int workers = 4;
        private long seed;
        private boolean allowMissingShards;
        private int shardShuffleSize = SHARD_SHUFFLE_SIZE;
        private int shardShuffleInitial = SHARD_SHUFFLE_INITIAL;
        private int sampleShuffleSize = SAMPLE_SHUFFLE_SIZE;
        private int sampleShuffleInitial = SAMPLE_SHUFFLE_INITIAL;
        private long maxMemberBytes = TarShardReader.DEFAULT_MAX_MEMBER_BYTES;

        private Builder(String trainData) {
            this.trainData = trainData;
        }

        public Builder upsamplingFactors(String v) { this.upsamplingFactors = v; return this; }
        public Builder trainNumSamples(Long v) { this.trainNumSamples = v; return this; }
        public Builder resampled(boolean v) { this.resampled = v; return this; }
        public Builder batchSize(int v) { this.batchSize = v; return this; }
        public Builder worldSize(int v) { this.worldSize = v; return this; }
        public Builder workers(int v) { this.workers = v; return this; }
        public Builder seed(long v) { this.seed = v; return this; }
        public Builder allowMissingShards(boolean v) { this.allowMissingShards = v; return this; }
        public Builder shardShuffle(int size, int initial) { this.shardShuffleSize = size; this.shardShuffleInitial = initial; return this; }
        public Builder sampleShuffle(int size, int initial) { this.sampleShuffleSize = size; this.sampleShuffleInitial = initial; return this; }
        public Builder maxMemberBytes(long v) { this.maxMemberBytes = v; return this; }

        public WebDatasetConfig build() {
            return new WebDatasetConfig(trainData, upsamplingFactors, trainNumSamples, resampled, batchSize, worldSize,
                    workers, seed, allowMissingShards, shardShuffleSize, shardShuffleInitial, sampleShuffleSize,
                    sampleShuffleInitial, maxMemberBytes);
        }
    }
}
