package org.lcl.models.data.webdataset;

/**
 * A small deterministic random generator (SplitMix64). The data pipeline's randomness (shard
 * order, sample shuffle buffer, shard resampling, image-first draws) comes from instances of
 * this class seeded with {@link #mix}, so a run is reproducible from
 * (seed, epoch, rank, worker) on any JDK: the algorithm is written out here rather than taken
 * from {@code java.util}. Not thread-safe; one instance per stream.
 */
public final class Rng {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** Hashes any number of integers into one seed (order matters). */
    public static long mix(long... parts) {
        long h = 0x632BE59BD9B4E019L;
        for (long p : parts) {
            h = finalise(h ^ finalise(p + GOLDEN));
            h += GOLDEN;
        }
        return finalise(h);
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return finalise(state);
    }

    /** Uniform in [0, 1), 53 random bits (as Python's {@code random.random()}). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), unbiased (rejection sampling). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        long b = bound;
        long limit = Long.remainderUnsigned(-b, b); // (2^64 - b) mod b: values below it are rejected
        while (true) {
            long r = nextLong();
            if (Long.compareUnsigned(r, limit) >= 0) {
                return (int) Long.remainderUnsigned(r, b);
            }
        }
    }
}
