package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonlTest {

    @TempDir
    Path dir;

    static StepMetrics record(int epoch, long step, double contrastive, double caption) {
        SequencedMap<String, Double> losses = new LinkedHashMap<>();
        losses.put("contrastive_loss", contrastive);
        losses.put("caption_loss", caption);
        losses.put(StepMetrics.TOTAL, contrastive + caption);
        Map<String, Long> skipped = step > 150 ? Map.of("image does not decode", 2L) : Map.of();
        return new StepMetrics(epoch, step, step * 256, 5e-4 * step / 1000, losses, 14.28 + step / 1000.0,
                0.0123, 0.4567, 560.5, skipped, 1.7e9 + step);
    }

    @Test
    void appendsAcrossWriterInstancesAndReadsBack() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        List<StepMetrics> written = List.of(record(0, 100, 8.3, 10.1), record(0, 200, 7.9, 9.4),
                record(1, 300, Double.NaN, Double.NEGATIVE_INFINITY));
        try (MetricsJsonl first = MetricsJsonl.open(file)) {
            first.append(written.get(0));
            first.append(written.get(1));
        }
        try (MetricsJsonl resumed = MetricsJsonl.open(file)) {
            resumed.append(written.get(2));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertTrue(lines.get(2).contains("\"contrastive_loss\":\"NaN\""), lines.get(2));
        assertTrue(lines.get(1).contains("\"skipped\":{\"image does not decode\":2}"), lines.get(1));
        // Records are value types: NaN == NaN for Double.equals inside the maps and fields.
        assertEquals(written, MetricsJsonl.read(file));
        assertEquals(List.of("contrastive_loss", "caption_loss", "loss"),
                List.copyOf(MetricsJsonl.read(file).getFirst().losses().keySet()));
    }

    @Test
    void aCrashCutLineDoesNotSwallowTheNextRecord() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsJsonl w = MetricsJsonl.open(file)) {
            w.append(record(0, 100, 1, 2));
        }
        Files.writeString(file, "{\"epoch\":0,\"st", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (MetricsJsonl w = MetricsJsonl.open(file)) {
            w.append(record(0, 200, 1, 2));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertTrue(lines.get(2).startsWith("{\"epoch\":0,\"step\":200"), lines.get(2));
        IOException e = assertThrows(IOException.class, () -> MetricsJsonl.read(file));
        assertTrue(e.getMessage().contains(file + ":2:"), e.getMessage());
    }

    @Test
    void missingFieldIsNamed() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"epoch\":0,\"step\":1}\n");
        IOException e = assertThrows(IOException.class, () -> MetricsJsonl.read(file));
        assertTrue(e.getMessage().contains(file + ":1:") && e.getMessage().contains("\"samples\""), e.getMessage());
    }
}
