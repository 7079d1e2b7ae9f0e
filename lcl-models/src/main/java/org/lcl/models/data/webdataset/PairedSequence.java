package org.lcl.models.data.webdataset;

/**
 * A LAION sample as LCL's decoder reads it: the token ids of one image-text pair, and the
 * image (still encoded) whose visual tokens fill the {@code <img_placehold>} slots.
 *
 * @param ids exactly context-length ids, zero-padded
 * @param imageFirst true for {@code img + text + [eot]}, false for {@code [sot] + text + img};
 *                   only text-first sequences feed the contrastive loss
 * @param textTokens caption tokens kept after truncation
 */
public record PairedSequence(String key, int[] ids, boolean imageFirst, int textTokens, String imageExt, byte[] image) {
}
