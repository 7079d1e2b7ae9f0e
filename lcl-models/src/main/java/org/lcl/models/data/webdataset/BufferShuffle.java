package org.lcl.models.data.webdataset;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * WebDataset's shuffle buffer ({@code webdataset.filters._shuffle}), step for step: while the
 * buffer holds fewer than {@code bufsize} items each input item pulls one more; once it
 * holds at least {@code initial} items, a uniformly chosen one is handed out (swapped with
 * the last and removed); at the end of the input the buffer is drained in random order.
 * Memory: at most {@code bufsize} + 1 items. Lazy: it pulls from the source only as needed.
 */
public final class BufferShuffle<T> implements Iterator<T> {

    private final Iterator<? extends T> source;
    private final int bufsize;
    private final int initial;
    private final Rng rng;
    private final ArrayList<T> buf = new ArrayList<>();
    private T pending;
    private boolean hasPending;

    public BufferShuffle(Iterator<? extends T> source, int bufsize, int initial, Rng rng) {
        if (bufsize < 1) {
            throw new IllegalArgumentException("bufsize must be >= 1: " + bufsize);
        }
        this.source = source;
        this.bufsize = bufsize;
        this.initial = Math.max(0, Math.min(initial, bufsize));
        this.rng = rng;
    }

    /** The whole list shuffled through a buffer (used for the per-epoch shard order). */
    public static <T> List<T> shuffle(List<T> items, int bufsize, int initial, Rng rng) {
        List<T> out = new ArrayList<>(items.size());
        new BufferShuffle<>(items.iterator(), bufsize, initial, rng).forEachRemaining(out::add);
        return out;
    }

    @Override
    public boolean hasNext() {
        if (hasPending) {
            return true;
        }
        // Python: for sample in data: buf.append(sample); if len(buf) < bufsize: buf.append(next(data));
        //         if len(buf) >= initial: yield pick(buf)
        // then:   while buf: yield pick(buf)
        while (source.hasNext()) {
            buf.add(source.next());
            if (buf.size() < bufsize && source.hasNext()) {
                buf.add(source.next());
            }
            if (buf.size() >= initial) {
                pending = pick();
                hasPending = true;
                return true;
            }
        }
        if (!buf.isEmpty()) {
            pending = pick();
            hasPending = true;
            return true;
        }
        return false;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T out = pending;
        pending = null;
        hasPending = false;
        return out;
    }

    /** Items waiting in the buffer. */
    public int buffered() {
        return buf.size();
    }

    private T pick() {
        int k = rng.nextInt(buf.size());
        T item = buf.get(k);
        int last = buf.size() - 1;
        buf.set(k, buf.get(last));
        buf.remove(last);
        return item;
    }
}
