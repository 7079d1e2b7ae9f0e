package org.lcl.models.data.webdataset;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a WebDataset pipeline, shared by all its workers (thread-safe, lock-free).
 * The trainer logs {@link #summary()}; warnings about skipped samples are rate-limited as
 * OpenCLIP's {@code log_and_continue} does (the first, then every 1000th), damaged shards
 * are each logged.
 */
public final class WebDatasetStats {

    private static final System.Logger LOG = System.getLogger(WebDatasetStats.class.getName());
    static final long LOG_EVERY = 1000;

    private final LongAdder shardsOpened = new LongAdder();
    private final LongAdder shardsCompleted = new LongAdder();
    private final LongAdder shardsFailed = new LongAdder();
    private final LongAdder samplesRead = new LongAdder();
    private final LongAdder samplesYielded = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder skippedTotal = new LongAdder();
    private final Map<SkipReason, LongAdder> skipped = new EnumMap<>(SkipReason.class);

    public WebDatasetStats() {
        for (SkipReason r : SkipReason.values()) {
            skipped.put(r, new LongAdder());
        }
    }

    /** A point-in-time copy of the counters. */
    public record Snapshot(long shardsOpened, long shardsCompleted, long shardsFailed, long samplesRead,
                           long samplesYielded, long bytesRead, Map<SkipReason, Long> skipped) {

        public long skippedTotal() {
            return skipped.values().stream().mapToLong(Long::longValue).sum();
        }

        public long skipped(SkipReason reason) {
            return skipped.getOrDefault(reason, 0L);
        }
    }

    void shardOpened() {
        shardsOpened.increment();
    }

    void shardCompleted() {
        shardsCompleted.increment();
    }

    /** A shard ended early (truncated, corrupt, unreadable): the rest of it is skipped. */
    void shardFailed(String shard, long samplesBefore, Throwable cause) {
        shardsFailed.increment();
        LOG.log(System.Logger.Level.WARNING, "skipping the rest of shard " + shard + " after " + samplesBefore
                + " samples: " + describe(cause) + " (" + shardsFailed.sum() + " damaged shards so far)");
    }

    void sampleRead(long bytes) {
        samplesRead.increment();
        bytesRead.add(bytes);
    }

    void sampleYielded() {
        samplesYielded.increment();
    }

    /** Counts a dropped sample; public so that later stages (image decoding) can report theirs. */
    public void skip(SkipReason reason, String shard, String key, String detail) {
        skipped.get(reason).increment();
        skippedTotal.increment();
        long n = skippedTotal.sum();
        if (n == 1 || n % LOG_EVERY == 0) {
            LOG.log(System.Logger.Level.WARNING, "skipped " + n + " samples so far (" + summarySkips()
                    + "); most recent: " + shard + ":" + key + " " + reason.description()
                    + (detail == null ? "" : " (" + detail + ")"));
        }
    }

    public Snapshot snapshot() {
        Map<SkipReason, Long> s = new EnumMap<>(SkipReason.class);
        for (var e : skipped.entrySet()) {
            s.put(e.getKey(), e.getValue().sum());
        }
        return new Snapshot(shardsOpened.sum(), shardsCompleted.sum(), shardsFailed.sum(), samplesRead.sum(),
                samplesYielded.sum(), bytesRead.sum(), Collections.unmodifiableMap(s));
    }

    private String summarySkips() {
        StringBuilder b = new StringBuilder();
        for (var e : skipped.entrySet()) {
            long n = e.getValue().sum();
            if (n > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(e.getKey().description()).append(": ").append(n);
            }
        }
        return b.isEmpty() ? "none" : b.toString();
    }

    /** One line for the training log. */
    public String summary() {
        Snapshot s = snapshot();
        return "data: " + s.samplesYielded() + " samples yielded of " + s.samplesRead() + " read, skipped "
                + s.skippedTotal() + " (" + summarySkips() + "); shards opened " + s.shardsOpened() + ", completed "
                + s.shardsCompleted() + ", damaged " + s.shardsFailed();
    }

    @Override
    public String toString() {
        return summary();
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
