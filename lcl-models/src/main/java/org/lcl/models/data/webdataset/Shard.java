package org.lcl.models.data.webdataset;

import java.nio.file.Path;

/**
 * One tar shard: its path, the index of the {@code ::}-separated source it came from, and its
 * sampling weight (that source's upsampling factor; 1 when none are given).
 */
public record Shard(Path path, int source, double weight) {

    /** The file name, as sizes.json names it. */
    public String name() {
        return path.getFileName().toString();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
