package org.lcl.models.data.webdataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Test helper: builds tar files member by member. */
final class Tars {

    private final List<Map.Entry<String, byte[]>> members = new ArrayList<>();
    private final List<String> dirs = new ArrayList<>();

    static Tars create() {
        return new Tars();
    }

    Tars file(String name, byte[] data) {
        members.add(Map.entry(name, data));
        return this;
    }

    Tars file(String name, String text) {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    Tars dir(String name) {
        members.add(Map.entry(name, new byte[0]));
        dirs.add(name);
        return this;
    }

    /** A LAION-style sample: KEY.jpg (fake bytes naming the key) + KEY.txt. */
    Tars sample(String key, String caption) {
        return file(key + ".jpg", imageBytes(key)).file(key + ".txt", caption);
    }

    static byte[] imageBytes(String key) {
        return ("\u00ff\u00d8 image of " + key).getBytes(StandardCharsets.ISO_8859_1);
    }

    byte[] bytes() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        write(bos);
        return bos.toByteArray();
    }

    private void write(OutputStream os) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> m : members) {
                TarArchiveEntry e = new TarArchiveEntry(m.getKey());
                if (!dirs.contains(m.getKey())) {
                    e.setSize(m.getValue().length);
                }
                tar.putArchiveEntry(e);
                if (!dirs.contains(m.getKey())) {
                    tar.write(m.getValue());
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    Path writeTo(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, bytes());
        return file;
    }

    Path writeGzipTo(Path file) throws IOException {
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(file))) {
            os.write(bytes());
        }
        return file;
    }

    /** A shard of n samples with keys PREFIX000..; captions "caption of KEY". */
    static Path shard(Path file, String keyPrefix, int n) throws IOException {
        Tars t = create();
        for (int i = 0; i < n; i++) {
            String key = String.format("%s%04d", keyPrefix, i);
            t.sample(key, "caption of " + key);
        }
        return t.writeTo(file);
    }

    /** Writes sizes.json for the given shard names → counts. */
    static void sizes(Path dir, Map<String, Integer> sizes) throws IOException {
        StringBuilder b = new StringBuilder("{");
        for (var e : new LinkedHashMap<>(sizes).entrySet()) {
            b.append(b.length() > 1 ? ", " : "").append('"').append(e.getKey()).append("\": ").append(e.getValue());
        }
        Files.writeString(dir.resolve("sizes.json"), b.append('}').toString());
    }

    static List<WdsSample> readAll(Path shard, WebDatasetStats stats) {
        List<WdsSample> out = new ArrayList<>();
        try (TarShardReader r = new TarShardReader(shard, stats)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }
}
