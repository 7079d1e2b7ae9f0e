package org.lcl.models.data.webdataset;

/** Why a sample was dropped. Counted in {@link WebDatasetStats}. */
public enum SkipReason {
    /** The group of files sharing a key has no .jpg/.png/.jpeg/.webp. */
    MISSING_IMAGE("no image"),
    /** The group has an image but no .txt caption. */
    MISSING_TEXT("no caption"),
    /** The .txt is not valid UTF-8 (Python's decode would raise: OpenCLIP drops it too). */
    BAD_CAPTION("caption not UTF-8"),
    /** A member larger than the reader's limit (a corrupt size field, or not a LAION sample). */
    OVERSIZE("member too large"),
    /** A sample left incomplete where a shard turned out truncated or corrupt. */
    TRUNCATED("cut by a damaged shard"),
    /** The image bytes do not decode (reported by the image loader, not by the tar reader). */
    IMAGE_DECODE("image does not decode");

    private final String description;

    SkipReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
