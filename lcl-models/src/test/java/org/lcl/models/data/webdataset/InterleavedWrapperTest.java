package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lcl-spec.md, "Sequences from paired data". Ids: sot 49406, eot 49407, img 49408, soi 49409, eoi 49410. */
class InterleavedWrapperTest {

    private static final int SOT = 49406;
    private static final int EOT = 49407;
    private static final int IMG = 49408;
    private static final int SOI = 49409;
    private static final int EOI = 49410;

    private final FakeTokenizer tok = new FakeTokenizer();

    @TempDir
    Path tmp;

    private static String words(int from, int count) {
        return IntStream.range(from, from + count).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    @Test
    void textFirstIsSotTextImage() {
        InterleavedWrapper w = new InterleavedWrapper(tok, 16, 3, 0.5);
        assertArrayEquals(new int[] {SOT, 5, 6, 7, SOI, IMG, IMG, IMG, EOI, 0, 0, 0, 0, 0, 0, 0},
                w.sequence("5 6 7", false));
    }

    @Test
    void imageFirstIsImageTextEot() {
        InterleavedWrapper w = new InterleavedWrapper(tok, 16, 3, 0.5);
        assertArrayEquals(new int[] {SOI, IMG, IMG, IMG, EOI, 5, 6, 7, EOT, 0, 0, 0, 0, 0, 0, 0},
                w.sequence("5 6 7", true));
    }

    @Test
    void captionsAreTruncatedToCtxMinusNMinus4() {
        // ctx 16, N 3: 16 - 3 - 4 = 9 caption tokens at most
        InterleavedWrapper w = new InterleavedWrapper(tok, 16, 3, 0.5);
        assertEquals(9, w.textLength());
        assertArrayEquals(new int[] {SOT, 1, 2, 3, 4, 5, 6, 7, 8, 9, SOI, IMG, IMG, IMG, EOI, 0},
                w.sequence(words(1, 20), false));
        assertArrayEquals(new int[] {SOI, IMG, IMG, IMG, EOI, 1, 2, 3, 4, 5, 6, 7, 8, 9, EOT, 0},
                w.sequence(words(1, 20), true));
        // exactly 9 tokens: nothing cut
        assertArrayEquals(w.sequence(words(1, 9), false), w.sequence(words(1, 10), false));
    }

    @Test
    void b32LaionShapes() {
        // ctx 128, N 49: 75 caption tokens; a text-first sequence of a long caption fills 1 + 75 + 51 = 127 slots
        InterleavedWrapper w = new InterleavedWrapper(tok, 128, 49, 0.5);
        assertEquals(75, w.textLength());
        int[] t = w.sequence(words(100, 300), false);
        assertEquals(128, t.length);
        assertEquals(SOT, t[0]);
        assertEquals(100, t[1]);
        assertEquals(174, t[75]);
        assertEquals(SOI, t[76]);
        for (int i = 77; i < 126; i++) {
            assertEquals(IMG, t[i]);
        }
        assertEquals(EOI, t[126]);
        assertEquals(0, t[127]);
        int[] f = w.sequence(words(100, 300), true);
        assertEquals(SOI, f[0]);
        assertEquals(EOI, f[50]);
        assertEquals(100, f[51]);
        assertEquals(174, f[125]);
        assertEquals(EOT, f[126]);
        assertEquals(0, f[127]);
    }

    @Test
    void emptyCaptionAndSpecialStrings() {
        InterleavedWrapper w = new InterleavedWrapper(tok, 8, 1, 0.5);
        assertArrayEquals(new int[] {SOT, SOI, IMG, EOI, 0, 0, 0, 0}, w.sequence("", false));
        assertArrayEquals(new int[] {SOI, IMG, EOI, EOT, 0, 0, 0, 0}, w.sequence("", true));
        assertArrayEquals(new int[] {SOT, 3, EOT, SOI, IMG, EOI, 0, 0}, w.sequence("3 <end_of_text>", false));
    }

    @Test
    void contextTooShortIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new InterleavedWrapper(tok, 52, 49, 0.5));
        new InterleavedWrapper(tok, 53, 49, 0.5); // no caption room but valid
        assertThrows(IllegalArgumentException.class, () -> new InterleavedWrapper(tok, 128, 49, 1.5));
    }

    @Test
    void imageFirstProbability() {
        InterleavedWrapper half = new InterleavedWrapper(tok, 16, 3, 0.5);
        Rng rng = new Rng(12345);
        int first = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            if (half.drawImageFirst(rng)) {
                first++;
            }
        }
        assertEquals(0.5, first / (double) n, 0.02); // sd 0.0035
        InterleavedWrapper third = new InterleavedWrapper(tok, 16, 3, 0.3);
        int f3 = 0;
        for (int i = 0; i < n; i++) {
            if (third.drawImageFirst(rng)) {
                f3++;
            }
        }
        assertEquals(0.3, f3 / (double) n, 0.02);
        InterleavedWrapper never = new InterleavedWrapper(tok, 16, 3, 0.0);
        InterleavedWrapper always = new InterleavedWrapper(tok, 16, 3, 1.0);
        for (int i = 0; i < 1000; i++) {
            assertFalse(never.drawImageFirst(rng));
            assertTrue(always.drawImageFirst(rng));
        }
    }

    @Test
    void wrapsAWorkerStreamReproducibly() throws Exception {
        Path dir = tmp.resolve("d");
        Tars t = Tars.create();
        for (int i = 0; i < 40; i++) {
            t.sample(String.format("k%03d", i), i + " " + (i + 1));
        }
        t.writeTo(dir.resolve("a.tar"));
        WebDataset ds = WebDataset.open(WebDatasetConfig.builder(dir + "/a.tar").workers(1).trainNumSamples(40L).build());
        InterleavedWrapper w = new InterleavedWrapper(tok, 12, 2, 0.5);
        List<Boolean> orders = new ArrayList<>();
        List<Boolean> again = new ArrayList<>();
        try (WorkerStream s = ds.stream(0, 0, 0)) {
            Iterator<PairedSequence> it = w.wrap(s);
            for (int i = 0; i < 40; i++) {
                PairedSequence p = it.next();
                orders.add(p.imageFirst());
                assertEquals(12, p.ids().length);
                int k = Integer.parseInt(p.key().substring(1));
                int[] expected = w.sequence(k + " " + (k + 1), p.imageFirst());
                assertArrayEquals(expected, p.ids());
                assertEquals(2, p.textTokens());
                assertArrayEquals(Tars.imageBytes(p.key()), p.image());
                assertEquals("jpg", p.imageExt());
            }
        }
        try (WorkerStream s = ds.stream(0, 0, 0)) {
            Iterator<PairedSequence> it = w.wrap(s);
            for (int i = 0; i < 40; i++) {
                again.add(it.next().imageFirst());
            }
        }
        assertEquals(orders, again);
        assertTrue(orders.contains(true) && orders.contains(false));
    }
}
