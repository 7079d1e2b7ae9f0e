package org.lcl.models.data.mmc4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the document shards under {@code ROOT/data} (no hard-coded index list: the reference's
 * 23,099 indices minus 14 is a defect) and partitions them between ranks.
 */
public final class Mmc4Shards {

    /** {@code docs_shard_12_v2.jsonl.zip}, {@code docs_no_face_shard_12_v3.jsonl.zip}, {@code ....zip}, {@code ....jsonl}. */
    static final Pattern NAME = Pattern.compile("docs_(?:no_face_)?shard_(\\d+)_v\\d+(\\.jsonl\\.zip|\\.zip|\\.jsonl)");

    private Mmc4Shards() {
    }

    /** The index of a shard file name, or -1 when the name is not a shard's. */
    public static int index(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * All shards in {@code root/data}, sorted by index.
     *
     * @throws Mmc4Exception when root/data is not a folder, holds no shard, or holds two shards with one index
     */
    public static List<Mmc4Shard> discover(Path root) {
        Path data = root.resolve("data");
        if (!Files.isDirectory(data)) {
            throw new Mmc4Exception("MMC4 data folder not found: " + data.toAbsolutePath()
                    + " (expected ROOT/data/docs_shard_{i}_v2.jsonl.zip and ROOT/images/)");
        }
        List<Mmc4Shard> shards = new ArrayList<>();
        Map<Integer, Path> seen = new HashMap<>();
        try (Stream<Path> files = Files.list(data)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String name = p.getFileName().toString();
                int i = index(name);
                if (i < 0 || !Files.isRegularFile(p)) {
                    continue;
                }
                Path before = seen.putIfAbsent(i, p);
                if (before != null) {
                    throw new Mmc4Exception("two MMC4 shards with index " + i + ": " + before + " and " + p);
                }
                shards.add(new Mmc4Shard(p, i, name.endsWith(".zip")));
            }
        } catch (IOException e) {
            throw new Mmc4Exception("cannot list MMC4 data folder " + data.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (shards.isEmpty()) {
            throw new Mmc4Exception("no MMC4 shard in " + data.toAbsolutePath()
                    + " (expected docs_shard_{i}_v2.jsonl.zip, docs_no_face_shard_{i}_v3.jsonl.zip or .jsonl files)");
        }
        shards.sort(Comparator.comparingInt(Mmc4Shard::index));
        return List.copyOf(shards);
    }

    /** {@code --data-global-distributed}: rank r takes the shards with index % world == r. */
    public static List<Mmc4Shard> forRank(List<Mmc4Shard> shards, int rank, int world) {
        if (world < 1 || rank < 0 || rank >= world) {
            throw new IllegalArgumentException("bad rank " + rank + " of world " + world);
        }
        return shards.stream().filter(s -> s.index() % world == rank).toList();
    }
}
