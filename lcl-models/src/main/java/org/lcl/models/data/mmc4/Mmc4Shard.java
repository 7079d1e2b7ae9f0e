package org.lcl.models.data.mmc4;

import java.nio.file.Path;

/**
 * One MMC4 document shard on disk: {@code docs_shard_{i}_v2.jsonl.zip},
 * {@code docs_no_face_shard_{i}_v3.jsonl.zip} (a zip holding the .jsonl) or a plain {@code .jsonl}.
 *
 * @param path  the file
 * @param index the shard index {@code i} parsed from the name
 * @param zip   whether the name says it is a zip (its content is checked when it is read)
 */
public record Mmc4Shard(Path path, int index, boolean zip) {

    public String name() {
        return path.getFileName().toString();
    }
}
