package org.lcl.models.data.mmc4;

import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.webdataset.BufferShuffle;
import org.lcl.models.data.webdataset.Rng;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The endless sequence stream of one data-loader worker of one rank in one epoch.
 * <p>
 * Shards: those of the rank ({@link Mmc4Shards#forRank} with {@code --data-global-distributed},
 * else all), of which worker w of W takes positions w, w+W, ... Each pass over them visits
 * them in an order shuffled by {@code Rng.mix(SALT, seed, epoch, rank, worker, pass)}; their
 * documents are streamed line by line through a shuffle buffer of {@code shuffleBuffer}
 * documents. "Draw another random document" (no image survives) is the next document of this
 * shuffled stream, i.e. another random document of the same rank's partition; the reference's
 * random index into an in-memory list is replaced by streaming (its reading every shard into RAM
 * is a defect). All randomness (order, one image per sentence, before/after) comes from
 * {@link Rng} instances seeded with (seed, epoch, rank, worker), so a run is reproducible.
 */
public final class Mmc4Stream implements Iterator<Mmc4Sample>, AutoCloseable {

    static final long SALT_ORDER = 0x4D4D4334_00000001L;
    static final long SALT_BUILD = 0x4D4D4334_00000002L;

    private final Mmc4Config config;
    private final Mmc4Stats stats;
    private final List<Mmc4Shard> shards;
    private final Mmc4SequenceBuilder builder;
    private final Rng buildRng;
    private final long epoch;
    private final int rank;
    private final int worker;
    private long pass = -1;
    private Iterator<Mmc4Shard> shardOrder;
    private Mmc4DocumentReader reader;
    private Iterator<Mmc4Document> documents;
    private long yieldedThisPass;
    private long documentsThisPass;
    private Mmc4Sample next;

    public Mmc4Stream(Mmc4Config config, Tokenizer tokenizer, Mmc4Stats stats, int rank, int world, int worker,
                      int workers, long epoch) {
        if (workers < 1 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("bad worker " + worker + " of " + workers);
        }
        this.config = config;
        this.stats = stats;
        this.epoch = epoch;
        this.rank = rank;
        this.worker = worker;
        List<Mmc4Shard> all = Mmc4Shards.discover(config.root());
        List<Mmc4Shard> mine = config.globalDistributed() ? Mmc4Shards.forRank(all, rank, world) : all;
        List<Mmc4Shard> own = new ArrayList<>();
        for (int i = worker; i < mine.size(); i += workers) {
            own.add(mine.get(i));
        }
        if (own.isEmpty()) {
            throw new Mmc4Exception("rank " + rank + " of " + world + ", worker " + worker + " of " + workers
                    + ": no MMC4 shard to read (" + mine.size() + " shards for this rank in " + config.dataDir()
                    + "; need at least one per worker)");
        }
        this.shards = List.copyOf(own);
        this.builder = new Mmc4SequenceBuilder(tokenizer, config.imagesDir(), config, stats);
        this.buildRng = new Rng(Rng.mix(SALT_BUILD, config.seed(), epoch, rank, worker));
    }

    /** The shards this worker reads, in index order. */
    public List<Mmc4Shard> shards() {
        return shards;
    }

    private void startPass() {
        if (pass >= 0 && yieldedThisPass == 0) {
            throw new Mmc4Exception("a full pass over " + shards.size() + " MMC4 shards (" + shards.get(0).path()
                    + " ...) gave no usable document (" + documentsThisPass + " documents read; " + stats.summary() + ")");
        }
        pass++;
        yieldedThisPass = 0;
        documentsThisPass = 0;
        Rng order = new Rng(Rng.mix(SALT_ORDER, config.seed(), epoch, rank, worker, pass));
        List<Mmc4Shard> s = new ArrayList<>(shards);
        for (int i = s.size() - 1; i > 0; i--) { // Fisher-Yates
            int j = order.nextInt(i + 1);
            Mmc4Shard t = s.get(i);
            s.set(i, s.get(j));
            s.set(j, t);
        }
        shardOrder = s.iterator();
        Iterator<Mmc4Document> flat = new Iterator<>() {
            @Override
            public boolean hasNext() {
                while (reader == null || !reader.hasNext()) {
                    if (!shardOrder.hasNext()) {
                        return false;
                    }
                    reader = new Mmc4DocumentReader(shardOrder.next(), stats);
                }
                return true;
            }

            @Override
            public Mmc4Document next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return reader.next();
            }
        };
        int buf = config.shuffleBuffer();
        documents = buf <= 1 ? flat : new BufferShuffle<>(flat, buf, Math.max(1, buf / 10), order);
    }

    @Override
    public boolean hasNext() {
        while (next == null) {
            if (documents == null || !documents.hasNext()) {
                startPass();
                continue;
            }
            Mmc4Document d = documents.next();
            documentsThisPass++;
            Optional<Mmc4Sample> s = builder.build(d, buildRng);
            if (s.isPresent()) {
                next = s.get();
                yieldedThisPass++;
            }
        }
        return true;
    }

    @Override
    public Mmc4Sample next() {
        hasNext();
        Mmc4Sample s = next;
        next = null;
        return s;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
    }
}
