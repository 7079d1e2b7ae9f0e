package org.lcl.models.data.webdataset;

import java.io.Closeable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.ObjIntConsumer;

/**
 * The samples of a sequence of shards, one shard open at a time, in order (no shuffling).
 * The shard sequence may be finite (a list) or endless (resampling). A damaged shard ends
 * early and the next one is opened (see {@link TarShardReader}).
 */
public final class ShardSamples implements Iterator<WdsSample>, Closeable {

    private final Iterator<Shard> shards;
    private final WebDatasetStats stats;
    private final long maxMemberBytes;
    private final ObjIntConsumer<Shard> onShardDone;
    private TarShardReader reader;
    private Shard shard;
    private boolean closed;

    /**
     * @param onShardDone called with each shard and how many samples it yielded, when it is done
     *                    (may be null); it may throw to stop iteration
     */
    public ShardSamples(Iterator<Shard> shards, WebDatasetStats stats, long maxMemberBytes,
                        ObjIntConsumer<Shard> onShardDone) {
        this.shards = shards;
        this.stats = stats;
        this.maxMemberBytes = maxMemberBytes;
        this.onShardDone = onShardDone;
    }

    public ShardSamples(Iterable<Shard> shards, WebDatasetStats stats) {
        this(shards.iterator(), stats, TarShardReader.DEFAULT_MAX_MEMBER_BYTES, null);
    }

    @Override
    public boolean hasNext() {
        while (!closed) {
            if (reader != null) {
                if (reader.hasNext()) {
                    return true;
                }
                reader.close();
                TarShardReader done = reader;
                reader = null;
                if (onShardDone != null) {
                    onShardDone.accept(shard, (int) Math.min(Integer.MAX_VALUE, done.samplesYielded()));
                }
            }
            if (!shards.hasNext()) {
                return false;
            }
            shard = shards.next();
            reader = new TarShardReader(shard.path(), stats, maxMemberBytes);
        }
        return false;
    }

    @Override
    public WdsSample next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return reader.next();
    }

    /** The shard being read, or null. */
    public Shard currentShard() {
        return reader == null ? null : shard;
    }

    @Override
    public void close() {
        closed = true;
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
