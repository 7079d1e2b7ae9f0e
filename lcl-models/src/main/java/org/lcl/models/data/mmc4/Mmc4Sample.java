package org.lcl.models.data.mmc4;

import java.util.List;

/**
 * One training sequence built from an MMC4 document: {@code ids} (length ctx, sot ... eot, zero
 * padded) and the kept images in sequence order: the i-th {@code <start_of_img>} of ids is
 * {@code imageNames.get(i)}, whose undecoded file bytes are {@code imageBytes.get(i)}.
 */
public record Mmc4Sample(int[] ids, List<String> imageNames, List<byte[]> imageBytes, String source) {

    public int numImages() {
        return imageNames.size();
    }
}
