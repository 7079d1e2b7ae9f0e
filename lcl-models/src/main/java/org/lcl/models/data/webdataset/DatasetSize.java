package org.lcl.models.data.webdataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How many samples the shards hold, as OpenCLIP's {@code get_dataset_size} finds it: a
 * {@code sizes.json} beside the shards (file name → sample count; the counts of the selected
 * shards are summed), else a {@code __len__} file there (one number: the whole directory).
 * Unlike OpenCLIP, which only looks beside the first shard, every directory the shards come
 * from is looked up, so {@code ::}-joined sources in different folders add up.
 *
 * @param samples the total, or -1 when it cannot be told
 * @param source where it came from ("sizes.json", "__len__", a mix of both) or why it is unknown
 */
public record DatasetSize(long samples, String source) {

    public boolean known() {
        return samples >= 0;
    }

    public static DatasetSize of(List<Shard> shards) {
        Map<Path, List<Shard>> byDir = new LinkedHashMap<>();
        for (Shard s : shards) {
            Path dir = s.path().toAbsolutePath().getParent();
            byDir.computeIfAbsent(dir, d -> new ArrayList<>()).add(s);
        }
        long total = 0;
        List<String> sources = new ArrayList<>();
        for (Map.Entry<Path, List<Shard>> e : byDir.entrySet()) {
            Path dir = e.getKey();
            Path sizes = dir.resolve("sizes.json");
            Path len = dir.resolve("__len__");
            if (Files.isRegularFile(sizes)) {
                Map<String, Long> counts = readSizes(sizes);
                for (Shard s : e.getValue()) {
                    Long n = counts.get(s.name());
                    if (n == null) {
                        throw new WebDatasetException(sizes + " does not list shard " + s.name()
                                + "; regenerate it or pass --train-num-samples");
                    }
                    total += n;
                }
                if (!sources.contains("sizes.json")) {
                    sources.add("sizes.json");
                }
            } else if (Files.isRegularFile(len)) {
                total += readLen(len);
                if (!sources.contains("__len__")) {
                    sources.add("__len__");
                }
            } else {
                return new DatasetSize(-1, "no sizes.json or __len__ in " + dir);
            }
        }
        return new DatasetSize(total, String.join("+", sources));
    }

    /** Reads a sizes.json: a JSON object of shard name → non-negative integer count. */
    public static Map<String, Long> readSizes(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new WebDatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new WebDatasetException(file + " is not a JSON object of shard name -> sample count");
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (var it = root.properties().iterator(); it.hasNext(); ) {
            var field = it.next();
            JsonNode v = field.getValue();
            long n;
            if (v.isIntegralNumber()) {
                n = v.asLong();
            } else if (v.isTextual() && v.asText().trim().matches("\\d+")) {
                n = Long.parseLong(v.asText().trim());
            } else {
                throw new WebDatasetException(file + ": count of " + field.getKey() + " is not an integer: " + v);
            }
            if (n < 0) {
                throw new WebDatasetException(file + ": count of " + field.getKey() + " is negative");
            }
            out.put(field.getKey(), n);
        }
        return out;
    }

    private static long readLen(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim().replace("_", "");
            return Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            throw new WebDatasetException(file + " should hold one integer (the number of samples): " + e.getMessage(), e);
        }
    }
}
