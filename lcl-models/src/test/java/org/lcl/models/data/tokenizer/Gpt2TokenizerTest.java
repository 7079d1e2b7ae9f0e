package org.lcl.models.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class Gpt2TokenizerTest {

    private final Gpt2Tokenizer tok = Gpt2Tokenizer.get();

    @Test
    void layout() {
        assertEquals(50262, tok.vocabSize());
        assertEquals(new SpecialTokens(50257, 50258, 50259, 50260, 50261), tok.specialTokens());
    }

    @Test
    void gpt2Ids() {
        // GPT-2's well-known ids: "Hello" 15496, " world" 995, "!" 0
        assertArrayEquals(new int[]{15496, 995}, tok.encode("Hello world"));
        assertArrayEquals(new int[]{15496, 0}, tok.encode("Hello!"));
        // GPT-2's own <|endoftext|> is ordinary text here, never id 50256
        int[] eot = tok.encode("<|endoftext|>");
        assertEquals(1, java.util.Arrays.stream(eot).filter(i -> i == 27).count(), java.util.Arrays.toString(eot));
        for (int id : eot) {
            assertEquals(true, id < 50256, "ordinary ids only");
        }
    }

    @Test
    void specialTokensInsideText() {
        int[] ids = tok.encode("a photo<img_placehold> of<start_of_img><end_of_img>x<start_of_text><end_of_text>");
        int[] a = tok.encodeOrdinary("a photo");
        int[] b = tok.encodeOrdinary(" of");
        int[] x = tok.encodeOrdinary("x");
        List<Integer> expected = new ArrayList<>();
        for (int i : a) {
            expected.add(i);
        }
        expected.add(50259);
        for (int i : b) {
            expected.add(i);
        }
        expected.add(50260);
        expected.add(50261);
        for (int i : x) {
            expected.add(i);
        }
        expected.add(50257);
        expected.add(50258);
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), ids);
        // case-sensitive: not special
        for (int id : tok.encode("<IMG_PLACEHOLD>")) {
            assertEquals(true, id < 50257);
        }
    }

    @Test
    void whitespaceBeforeASpecialTokenIsDropped() {
        // The MMC4 rule's image run: " <start_of_img> " + "<img_placehold> " * 2 + "<end_of_img> ".
        int[] ids = tok.encode("a Trouser <start_of_img> <img_placehold> <img_placehold> <end_of_img> next one");
        List<Integer> expected = new ArrayList<>();
        for (int i : tok.encodeOrdinary("a Trouser")) {
            expected.add(i);
        }
        expected.addAll(List.of(50260, 50259, 50259, 50261));
        for (int i : tok.encodeOrdinary(" next one")) {
            expected.add(i);
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), ids);
    }

    @Test
    void roundTrip() {
        String[] texts = {"Hello world!", "naïve café — déjà vu 日本語 🙂👍", "  spaces\tand\nnewlines  ", "",
            "a<img_placehold> b<start_of_img><end_of_img>", "It's 2024: the year's 3rd quarter!", "<|endoftext|>"};
        for (String t : texts) {
            assertEquals(t, tok.decode(tok.encode(t)), t);
        }
    }

    @Test
    void tokenizeAndPadding() {
        int[] ids = tok.tokenize("Hello world!", 8);
        assertArrayEquals(new int[]{50257, 15496, 995, 0, 50258, 0, 0, 0}, ids);
        assertEquals("<start_of_text>Hello world!<end_of_text>", tok.decode(ids));
        int[] cut = tok.tokenize("Hello world!", 3);
        assertArrayEquals(new int[]{50257, 15496, 50258}, cut);
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[]{50262}));
    }

    @Test
    void parallelEncodeEqualsSequential() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            texts.add("caption " + i + " of a <img_placehold> with word" + (i * 7919 % 1000) + "!");
        }
        List<int[]> expected = texts.stream().map(tok::encode).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<int[]>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> texts.stream().map(tok::encode).toList()));
            }
            for (Future<List<int[]>> f : futures) {
                List<int[]> got = f.get();
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(expected.get(i), got.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
