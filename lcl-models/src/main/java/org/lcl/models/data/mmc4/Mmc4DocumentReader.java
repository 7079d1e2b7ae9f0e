package org.lcl.models.data.mmc4;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Streams the documents of one shard, one line at a time (never the whole shard in memory).
 * A zip shard's {@code .jsonl} entries are read in order. A malformed line (bad JSON or missing
 * fields) is skipped, warned and counted; a file that is not a zip, or an I/O error, ends the
 * shard: the rest of it is skipped and counted as damaged. Close it when done early.
 */
public final class Mmc4DocumentReader implements Iterator<Mmc4Document>, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private final Mmc4Shard shard;
    private final Mmc4Stats stats;
    private InputStream raw;
    private ZipInputStream zip;
    private BufferedReader lines;
    private String entry;
    private long lineNo;
    private long linesTotal;
    private Mmc4Document next;
    private boolean done;

    public Mmc4DocumentReader(Mmc4Shard shard, Mmc4Stats stats) {
        this.shard = shard;
        this.stats = stats;
        stats.shardOpened();
        try {
            raw = new BufferedInputStream(Files.newInputStream(shard.path()), 1 << 16);
            if (shard.zip()) {
                raw.mark(4);
                byte[] head = raw.readNBytes(4);
                raw.reset();
                if (!java.util.Arrays.equals(head, ZIP_MAGIC)) {
                    fail("not a zip file");
                    return;
                }
                zip = new ZipInputStream(raw, StandardCharsets.UTF_8);
            } else {
                entry = "";
                lines = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
            }
        } catch (IOException e) {
            fail(e.toString());
        }
    }

    private void fail(String why) {
        stats.shardDamaged(shard.name(), linesTotal, why);
        done = true;
        closeQuietly();
    }

    /** Positions {@code lines} on the next .jsonl entry of the zip; false at the end. */
    private boolean nextEntry() throws IOException {
        ZipEntry e;
        while ((e = zip.getNextEntry()) != null) {
            if (!e.isDirectory() && e.getName().endsWith(".jsonl")) {
                entry = e.getName();
                lineNo = 0;
                lines = new BufferedReader(new InputStreamReader(zip, StandardCharsets.UTF_8), 1 << 16);
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean hasNext() {
        while (next == null && !done) {
            try {
                if (lines == null && (zip == null || !nextEntry())) {
                    done = true;
                    stats.shardCompleted();
                    closeQuietly();
                    break;
                }
                String line = lines.readLine();
                if (line == null) {
                    lines = null; // the zip's next entry, or the end
                    if (zip == null) {
                        done = true;
                        stats.shardCompleted();
                        closeQuietly();
                    }
                    continue;
                }
                lineNo++;
                linesTotal++;
                if (line.isBlank()) {
                    continue;
                }
                String where = shard.name() + (entry.isEmpty() ? "" : "!" + entry) + ":" + lineNo;
                try {
                    JsonNode n = JSON.readTree(line);
                    next = Mmc4Document.parse(n, where);
                    stats.documentRead();
                } catch (JsonProcessingException | IllegalArgumentException ex) {
                    stats.malformedLine(where, ex.getMessage() == null ? ex.toString() : ex.getMessage().lines().findFirst().orElse(""));
                }
            } catch (IOException | UncheckedIOException e) {
                fail(e.toString());
            }
        }
        return next != null;
    }

    @Override
    public Mmc4Document next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Mmc4Document d = next;
        next = null;
        return d;
    }

    private void closeQuietly() {
        try {
            if (raw != null) {
                raw.close();
            }
        } catch (IOException ignored) {
            // nothing to do
        }
        raw = null;
        zip = null;
        lines = null;
    }

    @Override
    public void close() {
        done = true;
        closeQuietly();
    }
}
