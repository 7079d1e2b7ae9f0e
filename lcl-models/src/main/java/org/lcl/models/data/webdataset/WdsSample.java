package org.lcl.models.data.webdataset;

import java.util.Map;

/**
 * One WebDataset sample: the files of a tar that share a key (the member path up to the first
 * dot of its base name), reduced to what LAION-style training reads. The image is not
 * decoded here; the image loader does that later and may still drop the sample.
 *
 * @param key the sample key, e.g. {@code 000012345} or {@code part1/000012345}
 * @param shard the tar the sample came from
 * @param imageExt the image's extension, lowercased: the first of jpg, png, jpeg, webp present
 * @param image the image file's bytes
 * @param caption the .txt member decoded as UTF-8, as stored (the tokenizer cleans it)
 * @param extras the other members (e.g. json), by lowercased extension
 */
public record WdsSample(String key, String shard, String imageExt, byte[] image, String caption,
                        Map<String, byte[]> extras) {

    @Override
    public String toString() {
        return shard + ":" + key + " (" + imageExt + ", " + image.length + " bytes) " + caption;
    }
}
