package org.lcl.models.eval;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Appends evaluation records to a JSON Lines file, one object per line; existing lines are never rewritten. */
public final class ResultsFile {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultsFile() {
    }

    /** Appends record as one line (creating the file and its directory when missing). */
    public static void append(Path file, EvalRecord record) throws IOException {
        String line = MAPPER.writeValueAsString(record.toJson()) + "\n";
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!endsWithNewline(file)) {
            line = "\n" + line;  // a previous writer stopped mid-line: keep our record on its own line
        }
        Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            return true;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(f.length() - 1);
            return f.read() == '\n';
        }
    }
}
