package org.lcl.models.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class TokenizersTest {

    @Test
    void gpt2NeedsNoFile() {
        assertInstanceOf(Gpt2Tokenizer.class, Tokenizers.create("gpt2", null));
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.create("gpt2", Path.of("x")));
    }

    @Test
    void clipWithVocab() {
        Tokenizer t = Tokenizers.create("clip", TestData.vocab());
        assertInstanceOf(ClipTokenizer.class, t);
        assertArrayEquals(new int[]{320, 1125, 539, 320, 2368, 269}, t.encode("a photo of a cat."));
    }

    @Test
    void unknownName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.create("bert", null));
        assertTrue(e.getMessage().contains("clip"), e.getMessage());
    }
}
