package org.lcl.models.data.tokenizer;

import java.util.List;

/**
 * A text tokenizer with LCL's special tokens. Implementations are immutable and thread-safe.
 * {@link #encode} gives the ids of text without start/end tokens (special token strings inside
 * the text come out as their single ids); {@link #tokenize} gives OpenCLIP's fixed-length form.
 */
public interface Tokenizer {

    /** Ids of text, no start/end tokens. Special token strings in the text map to their ids. */
    int[] encode(String text);

    /**
     * Text of ids; special tokens are written as their strings; padding is skipped: the zeros
     * after a final eot ({@link SpecialTokens#unpaddedLength}). Other zeros are real tokens.
     */
    String decode(int[] ids);

    /**
     * OpenCLIP's {@code tokenize(texts, context_length)}: sot + ids + eot, truncated to
     * contextLength with the last id set to eot, zero-padded.
     */
    default int[] tokenize(String text, int contextLength) {
        int[] ids = encode(text);
        int[] out = new int[contextLength];
        out[0] = specialTokens().startOfText();
        int n = Math.min(ids.length, contextLength - 2);
        System.arraycopy(ids, 0, out, 1, n);
        out[1 + n] = specialTokens().endOfText();
        return out;
    }

    /** The ids of sot, eot and LCL's image tokens in this vocabulary. */
    SpecialTokens specialTokens();

    /** Number of ids, special tokens included (49411 for CLIP + LCL's three). */
    int vocabSize();

    /** The five special token strings in id order of the CLIP vocabulary. */
    List<String> SPECIAL_STRINGS = List.of("<start_of_text>", "<end_of_text>", "<img_placehold>", "<start_of_img>", "<end_of_img>");
}
