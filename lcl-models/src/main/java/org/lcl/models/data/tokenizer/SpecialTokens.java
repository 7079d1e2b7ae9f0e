package org.lcl.models.data.tokenizer;

/**
 * Ids of the special tokens LCL's sequences use (lcl-spec.md). Padding is always 0.
 * For CLIP's vocabulary: sot 49406, eot 49407, img 49408, soi 49409, eoi 49410.
 */
public record SpecialTokens(int startOfText, int endOfText, int imagePlaceholder, int startOfImage, int endOfImage) {

    public static final int PAD = 0;

    /** CLIP's BPE vocabulary with LCL's three tokens appended. */
    public static final SpecialTokens CLIP = new SpecialTokens(49406, 49407, 49408, 49409, 49410);

    /**
     * The length of ids without padding: a run of zeros at the end that directly follows an eot
     * is padding ({@link Tokenizer#tokenize}'s form). Zeros anywhere else are tokens (id 0 is "!"
     * in both CLIP's and GPT-2's vocabularies).
     */
    public int unpaddedLength(int[] ids) {
        int end = ids.length;
        while (end > 0 && ids[end - 1] == PAD) {
            end--;
        }
        return end < ids.length && end > 0 && ids[end - 1] == endOfText ? end : ids.length;
    }
}
