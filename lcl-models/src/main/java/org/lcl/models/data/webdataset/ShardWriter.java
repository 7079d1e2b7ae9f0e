package org.lcl.models.data.webdataset;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes WebDataset shards: {@code PREFIX000000.tar}, {@code PREFIX000001.tar}, ... with
 * {@code samplesPerShard} samples each (the last may hold fewer), every sample's members
 * stored consecutively as {@code KEY.EXT}, and on {@link #close()} a {@code sizes.json}
 * ({@code {"PREFIX000000.tar": n, ...}}) that {@link DatasetSize} and OpenCLIP read. Keys are
 * consecutive nine-digit numbers over all shards unless given. The archives are reproducible
 * (fixed time stamps, owner 0, mode 0644) and each shard is written to a temporary file and
 * renamed when complete, so a crash never leaves a half-written shard under a shard name.
 */
public final class ShardWriter implements Closeable {

    /** Fixed modification time of every member (2000-01-01T00:00:00Z) for reproducible archives. */
    static final long MTIME_MILLIS = 946_684_800_000L;

    private final Path dir;
    private final String prefix;
    private final int samplesPerShard;
    private final Map<String, Long> sizes = new TreeMap<>();
    private final List<Path> written = new ArrayList<>();

    private TarArchiveOutputStream tar;
    private Path tmp;
    private Path current;
    private long inShard;
    private long total;
    private boolean closed;

    /**
     * @param dir output directory, created if needed; must hold no shards with this prefix nor a sizes.json
     * @param prefix shard name prefix, e.g. {@code "shard-"}
     */
    public ShardWriter(Path dir, String prefix, int samplesPerShard) {
        if (samplesPerShard <= 0) {
            throw new IllegalArgumentException("samples per shard must be positive, got " + samplesPerShard);
        }
        if (prefix.contains("/") || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("shard prefix must be a plain file name part: " + prefix);
        }
        this.dir = dir;
        this.prefix = prefix;
        this.samplesPerShard = samplesPerShard;
        try {
            Files.createDirectories(dir);
            if (Files.exists(dir.resolve("sizes.json"))) {
                throw new WebDatasetException(dir + " already holds a sizes.json: choose an empty output directory");
            }
            try (var files = Files.list(dir)) {
                var clash = files.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith(prefix) && (n.endsWith(".tar") || n.endsWith(".tar.tmp"))).findFirst();
                if (clash.isPresent()) {
                    throw new WebDatasetException(dir + " already holds shard " + clash.get()
                            + ": choose an empty output directory");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output directory " + dir, e);
        }
    }

    /** Writes one sample under the next consecutive key; returns the key. */
    public String write(String imageExt, byte[] image, String caption, Map<String, byte[]> extras) {
        String key = String.format("%09d", total);
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put(imageExt.toLowerCase(java.util.Locale.ROOT), image);
        members.put(TarShardReader.TEXT_EXTENSION, caption.getBytes(StandardCharsets.UTF_8));
        if (extras != null) {
            members.putAll(extras);
        }
        write(key, members);
        return key;
    }

    /** Writes one sample: members by extension, in the map's order. */
    public void write(String key, Map<String, byte[]> members) {
        if (closed) {
            throw new IllegalStateException("writer closed");
        }
        if (key.isEmpty() || key.startsWith("/") || TarShardReader.keyAndExtension(key + ".x") == null
                || !TarShardReader.keyAndExtension(key + ".x")[0].equals(key)) {
            throw new IllegalArgumentException("invalid sample key (no dots in its base name, not empty): " + key);
        }
        try {
            if (tar == null) {
                startShard();
            }
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                String ext = m.getKey();
                if (ext.isEmpty() || ext.contains("/")) {
                    throw new IllegalArgumentException("invalid extension \"" + ext + "\" for key " + key);
                }
                TarArchiveEntry e = new TarArchiveEntry(key + "." + ext);
                e.setSize(m.getValue().length);
                e.setMode(0100644);
                e.setModTime(MTIME_MILLIS);
                e.setUserId(0);
                e.setGroupId(0);
                e.setUserName("");
                e.setGroupName("");
                tar.putArchiveEntry(e);
                tar.write(m.getValue());
                tar.closeArchiveEntry();
            }
            inShard++;
            total++;
            if (inShard == samplesPerShard) {
                finishShard();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write shard " + current, e);
        }
    }

    private void startShard() throws IOException {
        current = dir.resolve(String.format("%s%06d.tar", prefix, written.size()));
        tmp = dir.resolve(current.getFileName() + ".tmp");
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
        tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        inShard = 0;
    }

    private void finishShard() throws IOException {
        tar.finish();
        tar.close();
        tar = null;
        Files.move(tmp, current, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        sizes.put(current.getFileName().toString(), inShard);
        written.add(current);
    }

    /** Finishes the last shard and writes sizes.json. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (tar != null) {
                finishShard();
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("sizes.json").toFile(), sizes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish shards in " + dir, e);
        }
    }

    /** Samples written so far. */
    public long samples() {
        return total;
    }

    /** The complete shards so far. */
    public List<Path> shards() {
        return List.copyOf(written);
    }

    /** Shard name → samples, as in sizes.json. */
    public Map<String, Long> sizes() {
        return Map.copyOf(sizes);
    }

    /** A {@code --train-data} pattern naming all shards written (call after close). */
    public String pattern() {
        int n = written.size();
        if (n == 0) {
            return null;
        }
        String last = String.format("%06d", n - 1);
        String range = n == 1 ? last : "{" + String.format("%06d", 0) + ".." + last + "}";
        return dir.resolve(prefix + range + ".tar").toString();
    }
}
