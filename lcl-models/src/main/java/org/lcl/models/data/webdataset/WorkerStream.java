package org.lcl.models.data.webdataset;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The samples one data worker of one rank reads in one epoch: endless and deterministic for
 * (seed, epoch, rank, worker). See {@link WebDataset} for the order. Not thread-safe: one
 * stream per worker thread. Close it to release the open shard.
 *
 * <p>It never hangs: if a full pass over a worker's shards (not resampled), or every shard it
 * can draw (resampled), yields no usable sample, it throws {@link WebDatasetException}
 * instead of looping forever.
 */
public final class WorkerStream implements Iterator<WdsSample>, AutoCloseable {

    private final WebDataset dataset;
    private final int epoch;
    private final int rank;
    private final int worker;
    private final List<Shard> shards; // not resampled: this worker's shards
    private final double[] cumulative; // resampled: cumulative weights (null = uniform)
    private final Rng drawRng;
    private final BitSet emptyShards = new BitSet();
    private int drawableShards;
    private int lastDrawn;
    private boolean closed;

    private ShardSamples source;
    private Iterator<WdsSample> shuffled;
    private int pass = -1;
    private long yieldedThisPass;
    private long yielded;

    WorkerStream(WebDataset dataset, int epoch, int rank, int worker) {
        this.dataset = dataset;
        this.epoch = epoch;
        this.rank = rank;
        this.worker = worker;
        WebDatasetConfig c = dataset.config();
        if (c.resampled()) {
            shards = dataset.shards();
            drawRng = new Rng(seed(WebDataset.SALT_RESAMPLE));
            boolean weighted = c.upsamplingFactors() != null && !c.upsamplingFactors().isBlank();
            if (weighted) {
                cumulative = new double[shards.size()];
                double sum = 0;
                for (int i = 0; i < shards.size(); i++) {
                    sum += shards.get(i).weight();
                    cumulative[i] = sum;
                    if (shards.get(i).weight() > 0) {
                        drawableShards++;
                    }
                }
            } else {
                cumulative = null;
                drawableShards = shards.size();
            }
        } else {
            shards = dataset.shardsFor(epoch, rank, worker);
            cumulative = null;
            drawRng = null;
        }
    }

    public int epoch() {
        return epoch;
    }

    public int rank() {
        return rank;
    }

    public int worker() {
        return worker;
    }

    /** The shards this worker reads per pass (not resampled), or all shards (resampled). */
    public List<Shard> shards() {
        return shards;
    }

    /** Samples handed out so far. */
    public long yielded() {
        return yielded;
    }

    /** Passes started over this worker's shards (not resampled; a pass restarts when they run out). */
    public int passes() {
        return pass + 1;
    }

    /** A seed for this stream's own randomness: mixes (salt, seed, epoch, rank, worker). */
    public long seed(long salt) {
        return Rng.mix(salt, dataset.config().seed(), epoch, rank, worker);
    }

    /** The dataset's shared counters. */
    public WebDatasetStats stats() {
        return dataset.stats();
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            throw new IllegalStateException("stream closed");
        }
        while (true) {
            if (shuffled != null && shuffled.hasNext()) {
                return true;
            }
            if (dataset.config().resampled()) {
                if (shuffled != null) {
                    throw new IllegalStateException("resampled stream ended"); // endless by construction
                }
                startResampled();
            } else {
                if (shuffled != null && yieldedThisPass == 0) {
                    throw new WebDatasetException("data worker " + worker + " of rank " + rank + " read all its "
                            + shards.size() + " shards (" + ShardList.preview(shards) + ") and found no usable sample: "
                            + "they are empty, damaged, or hold no image + .txt pairs. " + dataset.stats().summary());
                }
                startPass();
            }
        }
    }

    @Override
    public WdsSample next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        yielded++;
        yieldedThisPass++;
        return shuffled.next();
    }

    /** The next n samples. */
    public List<WdsSample> take(int n) {
        List<WdsSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    private void startPass() {
        closeSource();
        pass++;
        yieldedThisPass = 0;
        WebDatasetConfig c = dataset.config();
        source = new ShardSamples(shards.iterator(), dataset.stats(), c.maxMemberBytes(), null);
        Rng rng = new Rng(Rng.mix(WebDataset.SALT_SAMPLES, c.seed(), epoch, rank, worker, pass));
        shuffled = new BufferShuffle<>(source, c.sampleShuffleSize(), c.sampleShuffleInitial(), rng);
    }

    private void startResampled() {
        pass = 0;
        WebDatasetConfig c = dataset.config();
        Iterator<Shard> draws = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Shard next() {
                return shards.get(drawIndex());
            }
        };
        source = new ShardSamples(draws, dataset.stats(), c.maxMemberBytes(), (shard, n) -> {
            int i = lastDrawn;
            if (n > 0) {
                emptyShards.clear(i);
            } else {
                emptyShards.set(i);
                if (emptyShards.cardinality() >= drawableShards) {
                    throw new WebDatasetException("data worker " + worker + " of rank " + rank + " drew every one of the "
                            + drawableShards + " shards and none holds a usable sample: they are empty, damaged, or hold "
                            + "no image + .txt pairs. " + dataset.stats().summary());
                }
            }
        });
        Rng rng = new Rng(Rng.mix(WebDataset.SALT_SAMPLES, c.seed(), epoch, rank, worker, 0));
        shuffled = new BufferShuffle<>(source, c.sampleShuffleSize(), c.sampleShuffleInitial(), rng);
    }

    /** Python's {@code rng.choice(urls)} / {@code rng.choices(urls, weights)[0]}. */
    private int drawIndex() {
        int i;
        if (cumulative == null) {
            i = drawRng.nextInt(shards.size());
        } else {
            double total = cumulative[cumulative.length - 1];
            double x = drawRng.nextDouble() * total;
            // bisect_right: first index with cumulative > x
            int lo = 0;
            int hi = cumulative.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] > x) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            i = lo;
        }
        lastDrawn = i;
        return i;
    }

    private void closeSource() {
        if (source != null) {
            source.close();
            source = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeSource();
        shuffled = null;
    }
}
