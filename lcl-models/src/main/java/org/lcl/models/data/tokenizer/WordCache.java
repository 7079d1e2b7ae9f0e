package org.lcl.models.data.tokenizer;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A bounded, lock-free cache from a word (a range of a string) to its ids: 4-way set
 * associative, a random way evicted when a set is full. Looking up a range allocates nothing.
 *
 * <p>Thread safety without locks: entries are immutable objects with final fields only, so a
 * thread that reads a slot sees either null or a fully built entry (the Java memory model's
 * final-field guarantee); two threads filling the same slot at once just lose one entry.
 */
final class WordCache {

    private static final int WAYS = 4;

    private record Entry(String key, int hash, int[] ids) {
    }

    private final Entry[] slots;
    private final int setMask;

    /** A cache of at least {@code capacity} words (rounded up to a power of two, at least 4). */
    WordCache(int capacity) {
        int sets = 1;
        while ((long) sets * WAYS < capacity) {
            sets <<= 1;
        }
        slots = new Entry[sets * WAYS];
        setMask = sets - 1;
    }

    int capacity() {
        return slots.length;
    }

    /** The hash {@link #get} and {@link #put} take: String's hash of s[start, end). */
    static int hash(String s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    private int base(int hash) {
        int h = hash ^ (hash >>> 16);
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return (h & setMask) * WAYS;
    }

    /** The ids of s[start, end), or null when not cached. */
    int[] get(String s, int start, int end, int hash) {
        int base = base(hash);
        int len = end - start;
        for (int w = 0; w < WAYS; w++) {
            Entry e = slots[base + w];
            if (e != null && e.hash == hash && e.key.length() == len && e.key.regionMatches(0, s, start, len)) {
                return e.ids;
            }
        }
        return null;
    }

    void put(String key, int hash, int[] ids) {
        int base = base(hash);
        Entry entry = new Entry(key, hash, ids);
        for (int w = 0; w < WAYS; w++) {
            if (slots[base + w] == null) {
                slots[base + w] = entry;
                return;
            }
        }
        slots[base + ThreadLocalRandom.current().nextInt(WAYS)] = entry;
    }
}
