package org.lcl.models.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/**
 * ClipTokenizer against the reference: every shared test vector, and cases whose expected ids
 * and pieces were computed with the reference algorithm under Python 3.11 + regex 2022.10
 * (bench/tokenizer/reference_tokenizer.py, which itself reproduces every shared vector).
 */
class ClipTokenizerTest {

    @Test
    void everyVectorEncodes() {
        ClipTokenizer tok = TestData.clip();
        List<TestData.Vector> vectors = TestData.vectors();
        assertTrue(vectors.size() >= 300, "expected the full vector file, got " + vectors.size());
        int checked = 0;
        for (TestData.Vector v : vectors) {
            assertArrayEquals(v.encode(), tok.encode(v.text()), () -> "encode of " + v.text());
            checked++;
        }
        System.out.println("ClipTokenizerTest: encode matches all " + checked + " vectors");
    }

    @Test
    void everyVectorTokenizes77() {
        ClipTokenizer tok = TestData.clip();
        for (TestData.Vector v : TestData.vectors()) {
            assertArrayEquals(v.tokens77(), tok.tokenize(v.text(), 77), () -> "tokenize(77) of " + v.text());
        }
    }

    @Test
    void vocabularyLayout() {
        ClipTokenizer tok = TestData.clip();
        assertEquals(49411, tok.vocabSize());
        assertEquals(SpecialTokens.CLIP, tok.specialTokens());
        assertEquals("!", tok.token(0));
        assertEquals("!</w>", tok.token(256));
        assertEquals("in", tok.token(512));        // the first merge, "i n"
        assertEquals(320, tok.id("a</w>"));
        String[] specials = {"<start_of_text>", "<end_of_text>", "<img_placehold>", "<start_of_img>", "<end_of_img>"};
        for (int i = 0; i < 5; i++) {
            assertEquals(49406 + i, tok.id(specials[i]));
            assertEquals(specials[i], tok.token(49406 + i));
        }
        assertEquals(-1, tok.id("no such token"));
    }

    @Test
    void specialTokensInsideText() {
        ClipTokenizer tok = TestData.clip();
        assertArrayEquals(new int[]{320, 49408, 321, 49409, 49410}, tok.encode("a <img_placehold> b <start_of_img><end_of_img>"));
        // lower-cased before the split, so any case is the special token
        assertArrayEquals(new int[]{49408, 343}, tok.encode("<IMG_PLACEHOLD>x"));
        assertArrayEquals(new int[]{49406, 49407}, tok.encode("<start_of_text><end_of_text>"));
        // as the reference: punctuation before '<' takes it into its run, so no special token
        assertArrayEquals(new int[]{0, 283, 24157, 318, 14884, 3254, 285}, tok.encode("!<img_placehold>"));
        assertArrayEquals(new int[]{343, 6, 283, 806, 318, 539, 318, 24157, 285}, tok.encode("x'<end_of_img>"));
        // 'ſ' matches 's' under IGNORECASE: one piece, BPE'd (not the special id)
        assertArrayEquals(new int[]{27, 129, 123, 16707, 62, 684, 62, 18169, 285}, tok.encode("<\u017ftart_of_text>"));
        int[] ids = tok.tokenize("<img_placehold> a cat", 8);
        assertArrayEquals(new int[]{49406, 49408, 320, 2368, 49407, 0, 0, 0}, ids);
    }

    @Test
    void splitMatchesTheRegexModule() {
        // expected pieces: regex.findall(pattern, cleaned, IGNORECASE) under Python 3.11 / regex 2022.10
        assertEquals(List.of("na\u00efve", "caf\u00e9", "\u2014", "d\u00e9j\u00e0", "vu"),
                ClipTokenizer.preTokenize(ClipTokenizer.clean("na\u00efve caf\u00e9 \u2014 d\u00e9j\u00e0 vu")));
        assertEquals(List.of("!<", "img", "_", "placehold", ">"), ClipTokenizer.preTokenize("!<img_placehold>"));
        assertEquals(List.of("<", "end", "_", "of", "_", "imgx"), ClipTokenizer.preTokenize("<end_of_imgx"));
        assertEquals(List.of("ab", "<img_placehold>", "cd"), ClipTokenizer.preTokenize("ab<img_placehold>cd"));
        assertEquals(List.of("''", "s"), ClipTokenizer.preTokenize("''s"));
        assertEquals(List.of("'re", "'re"), ClipTokenizer.preTokenize("'re're"));
        assertEquals(List.of("it", "'\u017f", "x", "'\u017f", "t"), ClipTokenizer.preTokenize("it'\u017f x'\u017ft"));
        assertEquals(List.of("a", "b"), ClipTokenizer.preTokenize("a\u0345b"));          // U+0345 matches nothing
        assertEquals(List.of("\u2160", "\u2161"), ClipTokenizer.preTokenize("\u2160\u2161")); // Nl: one at a time
        assertEquals(List.of("x", "\u200b", "z"), ClipTokenizer.preTokenize("x\u200bz"));    // ZWSP is not \s
        assertEquals(List.of("\ud835\udd18\ud835\udd2b\ud835\udd26", "1", "2", "\u00b2"),
                ClipTokenizer.preTokenize("\ud835\udd18\ud835\udd2b\ud835\udd26 12\u00b2"));
    }

    @Test
    void nonAsciiAndWhitespaceCasesMatchTheReference() {
        ClipTokenizer tok = TestData.clip();
        assertArrayEquals(new int[]{1097, 35689, 563, 15304, 2005, 25466, 73, 21259, 13230}, tok.encode("na\u00efve caf\u00e9 \u2014 d\u00e9j\u00e0 vu"));
        assertArrayEquals(new int[]{320, 321}, tok.encode("a\u0345b"));
        // İ lower-cases to i + U+0307; the Kelvin sign to k
        assertArrayEquals(new int[]{328, 16384, 11231, 10849}, tok.encode("\u0130stanbul K\u212a"));
        // final sigma
        assertArrayEquals(new int[]{138, 109, 139, 480, 139, 225, 138, 365}, tok.encode("\u0391\u03a3 \u03a3\u0391"));
        // Python's final-sigma rule (case-ignorable code points skipped), not the JDK's word-based one
        assertArrayEquals(new int[]{139, 225, 138, 123, 139, 480, 272, 273, 274, 889}, tok.encode("\u03a3\u039f\u03a3123they"));
        assertArrayEquals(new int[]{138, 123, 138, 112, 138, 123, 139, 481, 269, 138, 365}, tok.encode("\u039f\u0394\u039f\u03a3.\u0391"));
        assertArrayEquals(new int[]{138, 109, 139, 481, 262, 138, 366}, tok.encode("\u0391\u03a3'\u0392"));
        // U+001C is stripped at the ends (str.strip) but is not \s inside
        assertArrayEquals(new int[]{320, 472, 321}, tok.encode("\u001c a \u001c b \u001c"));
        assertArrayEquals(new int[]{320, 321, 322}, tok.encode("a\u00a0\u2003b\u0085c"));
        assertArrayEquals(new int[]{283, 321, 285}, tok.encode("&amp;lt;b&amp;gt;"));   // unescaped twice
        assertArrayEquals(new int[]{6874, 242, 246, 6874, 242, 104, 6874, 242, 99, 6874, 242, 254, 6874, 242, 105, 6874, 242, 94,
                6874, 242, 351, 272, 273, 274, 41175}, tok.encode("\ud835\udd18\ud835\udd2b\ud835\udd26\ud835\udd20\ud835\udd2c\ud835\udd21\ud835\udd22 123\u00b2"));
        assertArrayEquals(new int[0], tok.encode(" \t\n "));
        assertArrayEquals(new int[]{49406, 49407, 0, 0}, tok.tokenize("", 4));
    }

    @Test
    void truncationKeepsEot() {
        ClipTokenizer tok = TestData.clip();
        int[] ids = tok.tokenize("a b c d e f g h", 5);
        assertArrayEquals(new int[]{49406, 320, 321, 322, 49407}, ids);
    }

    @Test
    void decodeIsTheReferences() {
        ClipTokenizer tok = TestData.clip();
        assertEquals("na\u00efve caf\u00e9 \u2014 d\u00e9j\u00e0 vu ", tok.decode(tok.encode("Na\u00efve caf\u00e9 \u2014 d\u00e9j\u00e0 vu")));
        assertEquals("<start_of_text>a photo of a cat . <end_of_text>", tok.decode(tok.tokenize("a photo of a cat.", 77)));
        assertEquals("a <img_placehold>b ", tok.decode(tok.encode("a <img_placehold> b")));
        // invalid UTF-8 is replaced as Python's bytes.decode('utf-8', errors='replace') does
        int[][] ids = {{127, 320}, {158, 224, 320}, {172, 253, 247, 320}, {127, 102, 187, 320}, {169, 254, 222, 320},
            {176, 238, 222, 222, 320}, {124, 107, 320}, {156, 222, 222, 320}};
        String[] expected = {"\ufffda ", "\ufffda ", "\ufffda ", "\u00e9\ufffda ", "\ufffd\ufffd\ufffda ",
            "\ufffd\ufffd\ufffd\ufffda ", "\ufffd\ufffda ", "\ufffd\ufffd\ufffda "};
        for (int i = 0; i < ids.length; i++) {
            assertEquals(expected[i], tok.decode(ids[i]), "case " + i);
        }
        // zeros after the final eot are padding; other zeros are '!'
        assertEquals("!<end_of_text>", tok.decode(new int[]{0, 49407, 0, 0}));
        assertEquals("a !", tok.decode(new int[]{320, 0}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[]{49411}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[]{-1}));
    }

    @Test
    void decodeRoundTripsNormalisedText() {
        ClipTokenizer tok = TestData.clip();
        for (TestData.Vector v : TestData.vectors()) {
            int[] ids = tok.encode(v.text());
            String decoded = tok.decode(ids);
            // decode puts a space after every word: the text without spaces is the cleaned text without spaces
            assertEquals(ClipTokenizer.clean(v.text()).replace(" ", ""), decoded.replace(" ", ""), v.text());
            // and the decoded text encodes to the same ids
            assertArrayEquals(ids, tok.encode(decoded), () -> "re-encode of " + decoded);
        }
    }

    @Test
    void cacheSizeDoesNotChangeResults() {
        ClipTokenizer big = TestData.clip();
        ClipTokenizer tiny = ClipTokenizer.load(TestData.vocab(), 4);
        for (TestData.Vector v : TestData.vectors()) {
            assertArrayEquals(big.encode(v.text()), tiny.encode(v.text()), v.text());
        }
        // and again, now that the tiny cache has evicted most words
        for (TestData.Vector v : TestData.vectors()) {
            assertArrayEquals(v.encode(), tiny.encode(v.text()), v.text());
        }
    }

    @Test
    void parallelEncodeEqualsSequential() throws Exception {
        ClipTokenizer shared = ClipTokenizer.load(TestData.vocab(), 64); // small: constant eviction races
        List<TestData.Vector> vectors = TestData.vectors();
        List<String> texts = new ArrayList<>();
        for (int r = 0; r < 20; r++) {
            for (TestData.Vector v : vectors) {
                texts.add(r % 2 == 0 ? v.text() : v.text().toUpperCase() + " " + r);
            }
        }
        ClipTokenizer sequential = TestData.clip();
        List<int[]> expected = new ArrayList<>();
        for (String t : texts) {
            expected.add(sequential.encode(t));
        }
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<int[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int offset = t;
                futures.add(pool.submit(() -> {
                    List<int[]> out = new ArrayList<>(texts.size());
                    for (int i = 0; i < texts.size(); i++) {
                        int k = (i + offset * 97) % texts.size(); // each thread in another order
                        out.add(shared.encode(texts.get(k)));
                    }
                    return out;
                }));
            }
            for (int t = 0; t < threads; t++) {
                List<int[]> got = futures.get(t).get();
                for (int i = 0; i < texts.size(); i++) {
                    int k = (i + t * 97) % texts.size();
                    assertArrayEquals(expected.get(k), got.get(i), "thread " + t + " text " + texts.get(k));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void vocabResolution() {
        Path missing = Path.of("/nonexistent/dir/" + ClipTokenizer.VOCAB_FILE_NAME);
        var e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.resolveVocab(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals(TestData.vocab(), ClipTokenizer.resolveVocab(TestData.vocab()));
        String old = System.getProperty(ClipTokenizer.VOCAB_PROPERTY);
        try {
            System.setProperty(ClipTokenizer.VOCAB_PROPERTY, missing.toString());
            var e2 = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.resolveVocab(null));
            assertTrue(e2.getMessage().contains(ClipTokenizer.VOCAB_PROPERTY), e2.getMessage());
            System.setProperty(ClipTokenizer.VOCAB_PROPERTY, TestData.vocab().toString());
            assertEquals(TestData.vocab(), ClipTokenizer.resolveVocab(null));
        } finally {
            if (old == null) {
                System.clearProperty(ClipTokenizer.VOCAB_PROPERTY);
            } else {
                System.setProperty(ClipTokenizer.VOCAB_PROPERTY, old);
            }
        }
    }

    @Test
    void notAVocabularyFileIsAClearError() throws Exception {
        Path f = java.nio.file.Files.createTempFile("not-a-vocab", ".txt");
        try {
            java.nio.file.Files.writeString(f, "#version\ni n\n");
            var e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(f, 16));
            assertTrue(e.getMessage().contains("merges"), e.getMessage());
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }
}
