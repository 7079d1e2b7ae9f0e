package org.lcl.models.data.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The shared test data: ../shared/data beside the project root (system property
 * {@code lcl.shared.dir} overrides). Tests that need it skip, printing why, where it is absent.
 */
final class TestData {

    record Vector(String text, int[] encode, int[] tokens77) {
    }

    private static ClipTokenizer clip;

    private TestData() {
    }

    static Path sharedDir() {
        String prop = System.getProperty("lcl.shared.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        Path root = ClipTokenizer.projectRoot();
        return root == null ? Path.of("..", "..", "shared") : root.getParent().resolve("shared");
    }

    /** A file of shared/data, or the test is skipped (with the reason printed). */
    static Path sharedFile(String name) {
        Path p = sharedDir().resolve("data").resolve(name);
        if (!Files.isRegularFile(p)) {
            String reason = "skipped: " + p.toAbsolutePath().normalize() + " is absent (../shared is not checked out here)";
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        return p;
    }

    static Path vocab() {
        return sharedFile(ClipTokenizer.VOCAB_FILE_NAME);
    }

    static synchronized ClipTokenizer clip() {
        if (clip == null) {
            clip = ClipTokenizer.load(vocab(), ClipTokenizer.DEFAULT_CACHE_SIZE);
        }
        return clip;
    }

    static List<Vector> vectors() {
        Path p = sharedFile("clip_tokenizer_vectors.jsonl");
        var mapper = new ObjectMapper();
        List<Vector> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = mapper.readTree(line);
                out.add(new Vector(n.get("text").asText(), ints(n.get("encode")), ints(n.get("tokens77"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
