package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class BufferShuffleTest {

    /** Counts how many items the shuffle has pulled. */
    private static final class Counting implements Iterator<Integer> {
        final int n;
        int pulled;

        Counting(int n) {
            this.n = n;
        }

        @Override
        public boolean hasNext() {
            return pulled < n;
        }

        @Override
        public Integer next() {
            return pulled++;
        }
    }

    @Test
    void stepsLikeWebDatasetsShuffle() {
        // bufsize 10, initial 5. Python: each input item pulls one more while len(buf) < bufsize and
        // yields once len(buf) >= initial: pulls 2 (len 2), 2 (len 4), 2 (len 6 >= 5) -> first item out after 6 pulls.
        Counting src = new Counting(100);
        BufferShuffle<Integer> s = new BufferShuffle<>(src, 10, 5, new Rng(1));
        s.next();
        assertEquals(6, src.pulled);
        List<Integer> out = new ArrayList<>();
        int maxBuffered = 0;
        while (s.hasNext()) {
            maxBuffered = Math.max(maxBuffered, s.buffered() + 1); // +1: the item already picked
            out.add(s.next());
        }
        assertEquals(99, out.size()); // 100 items, the first taken above
        assertTrue(maxBuffered <= 10, "buffer held " + maxBuffered);
        assertEquals(99, out.stream().distinct().count());
    }

    @Test
    void isAPermutationAndDeterministic() {
        List<Integer> items = IntStream.range(0, 1000).boxed().toList();
        List<Integer> a = BufferShuffle.shuffle(items, 100, 20, new Rng(42));
        List<Integer> b = BufferShuffle.shuffle(items, 100, 20, new Rng(42));
        List<Integer> c = BufferShuffle.shuffle(items, 100, 20, new Rng(43));
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertNotEquals(items, a);
        List<Integer> sorted = new ArrayList<>(a);
        sorted.sort(null);
        assertEquals(items, sorted);
    }

    @Test
    void bufferOfOneKeepsTheOrder() {
        List<Integer> items = IntStream.range(0, 50).boxed().toList();
        assertEquals(items, BufferShuffle.shuffle(items, 1, 0, new Rng(5)));
    }

    @Test
    void rngIsUniformEnoughAndReproducible() {
        Rng r = new Rng(Rng.mix(1, 2, 3));
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[r.nextInt(7)]++;
        }
        for (int c : counts) {
            assertEquals(10_000, c, 400); // sd about 93
        }
        assertEquals(new Rng(9).nextLong(), new Rng(9).nextLong());
        assertNotEquals(Rng.mix(1, 2), Rng.mix(2, 1));
        double d = new Rng(3).nextDouble();
        assertTrue(d >= 0 && d < 1);
    }
}
