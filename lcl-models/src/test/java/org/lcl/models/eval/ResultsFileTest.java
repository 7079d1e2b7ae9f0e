package org.lcl.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {

    private static EvalRecord record(String task, double acc1) {
        return new EvalRecord(task, "fashion-mnist", "LCL_ViT-Tiny-16_demo", null, Map.of("acc1", acc1), Map.of("test", 10),
                Map.of("epochs", 10), Instant.parse("2025-01-02T03:04:05Z"));
    }

    @Test
    void appendsLinesWithoutRewriting(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/results.jsonl");
        ResultsFile.append(file, record("linear-probe", 0.5));
        byte[] first = Files.readAllBytes(file);
        ResultsFile.append(file, record("zero-shot", 0.25));
        byte[] both = Files.readAllBytes(file);
        assertEquals(new String(first, StandardCharsets.UTF_8), new String(both, 0, first.length, StandardCharsets.UTF_8));
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        JsonNode second = new ObjectMapper().readTree(lines.get(1));
        assertEquals("zero-shot", second.get("task").asText());
        assertEquals(0.25, second.get("metrics").get("acc1").asDouble());
        assertEquals(10, second.get("samples").get("test").asInt());
        assertEquals("LCL_ViT-Tiny-16_demo", second.get("model").asText());
        assertEquals(true, second.get("checkpoint").isNull());
        assertEquals("2025-01-02T03:04:05Z", second.get("timestamp").asText());
    }

    @Test
    void aTruncatedLastLineIsNotJoined(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, "{\"task\": \"x\"}");
        ResultsFile.append(file, record("retrieval", 1));
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals("{\"task\": \"x\"}", lines.get(0));
        assertEquals("retrieval", new ObjectMapper().readTree(lines.get(1)).get("task").asText());
    }
}
