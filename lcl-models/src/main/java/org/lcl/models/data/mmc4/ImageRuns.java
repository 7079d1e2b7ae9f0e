package org.lcl.models.data.mmc4;

import java.util.Arrays;

import org.lcl.models.data.tokenizer.SpecialTokens;

/**
 * Takes images out of a built sequence after the fact, for images that turn out not to decode
 * (the rule "skip images that fail to load" applied by the image loader, which is where decoding
 * happens). Image k's run, {@code <start_of_img>} + N × {@code <img_placehold>} + its
 * {@code <end_of_img>} (absent when truncation left it out), is cut out and the rest of the
 * sequence moves left, zero-padded at the end. The CLIP tokenizer splits on whitespace around
 * the image string, so the remaining tokens are those a rebuild without the image would give,
 * except that a sequence truncated at ctx does not regain the freed room with more text.
 */
public final class ImageRuns {

    private ImageRuns() {
    }

    /**
     * Copies ids into {@code dst[offset, offset + ids.length)} as longs without the runs of the
     * images k with {@code drop[k]} (k counts {@code <start_of_img>} tokens from 0).
     *
     * @throws IllegalArgumentException when a dropped image's soi is not followed by N placeholders
     */
    public static void copyWithout(int[] ids, boolean[] drop, SpecialTokens special, int numImageTokens, long[] dst,
                                   int offset) {
        int out = offset;
        int image = 0;
        for (int p = 0; p < ids.length; p++) {
            int id = ids[p];
            if (id == special.startOfImage()) {
                boolean skip = image < drop.length && drop[image];
                image++;
                if (skip) {
                    for (int j = 1; j <= numImageTokens; j++) {
                        if (p + j >= ids.length || ids[p + j] != special.imagePlaceholder()) {
                            throw new IllegalArgumentException("image " + (image - 1) + " at position " + p
                                    + " is not followed by " + numImageTokens + " <img_placehold> tokens");
                        }
                    }
                    p += numImageTokens;
                    if (p + 1 < ids.length && ids[p + 1] == special.endOfImage()) {
                        p++;
                    }
                    continue;
                }
            }
            dst[out++] = id;
        }
        Arrays.fill(dst, out, offset + ids.length, SpecialTokens.PAD);
    }
}
