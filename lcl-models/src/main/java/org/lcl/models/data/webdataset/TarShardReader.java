package org.lcl.models.data.webdataset;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Streams the samples of one tar shard (plain, or gzip-compressed as .tar.gz/.tgz), as
 * WebDataset's {@code tar_file_expander} + OpenCLIP's {@code group_by_keys_nothrow} and
 * {@code filter_no_caption_or_no_image} do:
 * <ul>
 * <li>only regular files count; top-level {@code __name__} members are metadata and skipped;</li>
 * <li>a member's key is its path up to the first dot of its base name, its extension the rest,
 *     lowercased ({@code dir/0001.seg.PNG} → key {@code dir/0001}, extension {@code seg.png});
 *     members without a dot in the base name are ignored;</li>
 * <li>consecutive members with the same key form one sample; a new key, or an extension the
 *     sample already has, starts the next;</li>
 * <li>a sample needs an image ({@code jpg}, {@code png}, {@code jpeg}, {@code webp}, the first
 *     present in that order) and a {@code txt} caption (strict UTF-8); others are skipped and
 *     counted.</li>
 * </ul>
 * A truncated or corrupt tar (bad header, short member, broken gzip) or an unreadable file ends
 * the shard: the samples read before stay, a warning is logged, the damaged-shard counter goes
 * up, and iteration simply ends. Nothing is thrown to the caller.
 */
public final class TarShardReader implements Iterator<WdsSample>, Closeable {

    /** Image extensions in OpenCLIP's order of preference ({@code "jpg;png;jpeg;webp"}). */
    public static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "png", "jpeg", "webp");
    public static final String TEXT_EXTENSION = "txt";
    /** Default limit on one member's size (256 MiB). */
    public static final long DEFAULT_MAX_MEMBER_BYTES = 256L << 20;

    private static final Pattern BASE_PLUS_EXT = Pattern.compile("^((?:.*/|)[^.]+)[.]([^/]*)$", Pattern.DOTALL);

    private final Path path;
    private final String label;
    private final WebDatasetStats stats;
    private final long maxMemberBytes;

    private TarArchiveInputStream tar;
    private TailWatch watch;
    private boolean opened;
    private boolean finished;
    private long samplesInShard;
    private final ArrayDeque<WdsSample> ready = new ArrayDeque<>();

    // the group being collected
    private String groupKey;
    private Map<String, byte[]> group = new LinkedHashMap<>();
    private boolean groupBad;

    public TarShardReader(Path path, WebDatasetStats stats) {
        this(path, stats, DEFAULT_MAX_MEMBER_BYTES);
    }

    public TarShardReader(Path path, WebDatasetStats stats, long maxMemberBytes) {
        this.path = path;
        this.label = path.toString();
        this.stats = stats;
        this.maxMemberBytes = maxMemberBytes;
    }

    /** Splits a member name into (key, extension) as WebDataset's {@code base_plus_ext}; null when it has none. */
    static String[] keyAndExtension(String name) {
        Matcher m = BASE_PLUS_EXT.matcher(name);
        if (!m.matches()) {
            return null;
        }
        return new String[] {m.group(1), m.group(2)};
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && !finished) {
            step();
        }
        return !ready.isEmpty();
    }

    @Override
    public WdsSample next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /** Samples yielded from this shard so far. */
    public long samplesYielded() {
        return samplesInShard;
    }

    private void step() {
        try {
            if (!opened) {
                opened = true;
                stats.shardOpened();
                tar = open(path);
            }
            TarArchiveEntry entry = tar.getNextEntry();
            if (entry == null) {
                if (!watch.endsWithZeroRecord()) {
                    // commons-compress (like Python's tarfile) takes a cut inside a header for the end
                    throw new EOFException(watch.position() == 0 ? "empty file"
                            : "the tar ends without its end-of-archive records after " + watch.position() + " bytes (truncated)");
                }
                flushGroup(false);
                stats.shardCompleted();
                finish();
                return;
            }
            readEntry(entry);
        } catch (IOException | RuntimeException e) {
            // truncated or corrupt tar, broken gzip, unreadable file: keep what was read, drop the rest
            flushGroup(true);
            stats.shardFailed(label, samplesInShard, e);
            finish();
        }
    }

    private TarArchiveInputStream open(Path path) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                in = new BufferedInputStream(GzipCompressorInputStream.builder().setInputStream(in)
                        .setDecompressConcatenated(true).get(), 1 << 16);
            }
            watch = new TailWatch(in);
            return new TarArchiveInputStream(watch);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private void readEntry(TarArchiveEntry entry) throws IOException {
        if (!entry.isFile()) {
            return;
        }
        String name = entry.getName();
        if (name.indexOf('/') < 0 && name.startsWith("__") && name.endsWith("__")) {
            return; // WebDataset metadata member
        }
        String[] ke = keyAndExtension(name);
        long size = entry.getSize();
        if (ke == null) {
            return; // no extension: not part of a sample (WebDataset ignores it too)
        }
        String key = ke[0];
        String ext = ke[1].toLowerCase(java.util.Locale.ROOT);
        if (groupKey == null || !groupKey.equals(key) || group.containsKey(ext)) {
            flushGroup(false);
            groupKey = key;
        }
        if (size > maxMemberBytes || size > Integer.MAX_VALUE - 16) {
            // the tar stream skips the member's data when the next entry is asked for
            groupBad = true;
            stats.skip(SkipReason.OVERSIZE, label, key, name + " has " + size + " bytes");
            group.put(ext, new byte[0]);
            return;
        }
        byte[] data = tar.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("member " + name + " is truncated (" + data.length + " of " + size + " bytes)");
        }
        group.put(ext, data);
    }

    /** Ends the current group: yields it when valid, otherwise counts why not. */
    private void flushGroup(boolean damaged) {
        if (groupKey == null) {
            return;
        }
        String key = groupKey;
        Map<String, byte[]> files = group;
        boolean bad = groupBad;
        groupKey = null;
        group = new LinkedHashMap<>();
        groupBad = false;
        long bytes = 0;
        for (byte[] b : files.values()) {
            bytes += b.length;
        }
        stats.sampleRead(bytes);
        if (bad) {
            return; // already counted (OVERSIZE)
        }
        String imageExt = null;
        for (String e : IMAGE_EXTENSIONS) {
            if (files.containsKey(e)) {
                imageExt = e;
                break;
            }
        }
        byte[] text = files.get(TEXT_EXTENSION);
        if (imageExt == null || text == null) {
            SkipReason reason = damaged ? SkipReason.TRUNCATED
                    : imageExt == null ? SkipReason.MISSING_IMAGE : SkipReason.MISSING_TEXT;
            stats.skip(reason, label, key, "members: " + files.keySet());
            return;
        }
        String caption;
        try {
            caption = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
        } catch (CharacterCodingException e) {
            stats.skip(SkipReason.BAD_CAPTION, label, key, e.getMessage());
            return;
        }
        byte[] image = files.remove(imageExt);
        files.remove(TEXT_EXTENSION);
        samplesInShard++;
        stats.sampleYielded();
        ready.add(new WdsSample(key, label, imageExt, image, caption, files.isEmpty() ? Map.of() : Map.copyOf(files)));
    }

    /**
     * Counts the bytes the tar reader consumes and remembers where the last non-zero byte was,
     * so that a proper end (an all-zero 512-byte record after the last member) can be told from
     * a stream cut short. Skipped bytes (padding) count as zeros. A member whose data ends in
     * 512 or more zero bytes, cut right there, would pass for complete: its samples are intact.
     */
    private static final class TailWatch extends java.io.FilterInputStream {
        private long pos;
        private long lastNonZero = -1;

        TailWatch(InputStream in) {
            super(in);
        }

        long position() {
            return pos;
        }

        /** True when a whole all-zero 512-byte record was consumed after the last non-zero byte. */
        boolean endsWithZeroRecord() {
            long nextRecord = lastNonZero < 0 ? 0 : (lastNonZero / 512 + 1) * 512;
            return pos >= nextRecord + 512;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                if (b != 0) {
                    lastNonZero = pos;
                }
                pos++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0) {
                for (int i = off + n - 1; i >= off; i--) {
                    if (buf[i] != 0) {
                        lastNonZero = pos + (i - off);
                        break;
                    }
                }
                pos += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = in.skip(n);
            if (k > 0) {
                pos += k;
            }
            return k;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    private void finish() {
        finished = true;
        closeQuietly();
    }

    private void closeQuietly() {
        if (tar != null) {
            try {
                tar.close();
            } catch (IOException ignored) {
                // reading is over; nothing to report
            }
            tar = null;
        }
    }

    @Override
    public void close() {
        finished = true;
        ready.clear();
        closeQuietly();
    }
}
