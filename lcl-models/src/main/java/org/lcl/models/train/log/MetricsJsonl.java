package org.lcl.models.train.log;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code logs/NAME/metrics.jsonl}: one JSON object per logged step, appended and never
 * rewritten, so a resumed run continues the file (steps may then repeat; readers decide what
 * to keep, see {@link LossPlot}). A line:
 * <pre>{@code
 * {"epoch":0,"step":100,"samples":25600,"lr":5.0E-5,"losses":{"contrastive_loss":4.1,
 *  "caption_loss":6.2,"loss":10.3},"logit_scale":14.3,"data_time":0.01,"batch_time":0.42,
 *  "samples_per_second":609.5,"skipped":{"image does not decode":2},"time":1.7146e9}
 * }</pre>
 * Non-finite numbers, which JSON lacks, are the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}. Each record is written with one {@code write} call, handed to the operating
 * system before {@link #append} returns. Thread-safe.
 */
public final class MetricsJsonl implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final OutputStream out;

    private MetricsJsonl(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Opens {@code file} for appending, creating it if absent. If a crash left its last line
     * unterminated, a newline is added first so the next record starts a line of its own.
     */
    public static MetricsJsonl open(Path file) throws IOException {
        boolean needsNewline = false;
        if (Files.exists(file) && Files.size(file) > 0) {
            try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ)) {
                ByteBuffer last = ByteBuffer.allocate(1);
                ch.position(ch.size() - 1).read(last);
                needsNewline = last.get(0) != '\n';
            }
        }
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        if (needsNewline) {
            out.write('\n');
        }
        return new MetricsJsonl(file, out);
    }

    public Path file() {
        return file;
    }

    /** Appends {@code m} as one line. */
    public synchronized void append(StepMetrics m) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("epoch", m.epoch());
        o.put("step", m.step());
        o.put("samples", m.samples());
        putDouble(o, "lr", m.lr());
        ObjectNode losses = o.putObject("losses");
        m.losses().forEach((name, v) -> putDouble(losses, name, v));
        putDouble(o, "logit_scale", m.logitScale());
        putDouble(o, "data_time", m.dataTime());
        putDouble(o, "batch_time", m.batchTime());
        putDouble(o, "samples_per_second", m.samplesPerSecond());
        ObjectNode skipped = o.putObject("skipped");
        m.skipped().forEach(skipped::put);
        putDouble(o, "time", m.time());
        out.write((JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Every record in {@code file}, in file order (blank lines ignored). */
    public static List<StepMetrics> read(Path file) throws IOException {
        List<StepMetrics> records = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    records.add(parse(JSON.readTree(line)));
                } catch (JacksonException | IllegalArgumentException | ArithmeticException e) {
                    throw new IOException(file + ":" + lineNo + ": not a metrics record: " + e.getMessage(), e);
                }
            }
        }
        return records;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    private static StepMetrics parse(JsonNode o) {
        if (!o.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        // Fields are checked in the order they are written, so the first missing one is named.
        int epoch = Math.toIntExact(asLong(field(o, "epoch"), "epoch"));
        long step = asLong(field(o, "step"), "step");
        long samples = asLong(field(o, "samples"), "samples");
        double lr = asDouble(field(o, "lr"), "lr");
        SequencedMap<String, Double> losses = new LinkedHashMap<>();
        object(o, "losses").properties().forEach(e -> losses.put(e.getKey(), asDouble(e.getValue(), "losses." + e.getKey())));
        double logitScale = asDouble(field(o, "logit_scale"), "logit_scale");
        double dataTime = asDouble(field(o, "data_time"), "data_time");
        double batchTime = asDouble(field(o, "batch_time"), "batch_time");
        double samplesPerSecond = asDouble(field(o, "samples_per_second"), "samples_per_second");
        Map<String, Long> skipped = new LinkedHashMap<>();
        object(o, "skipped").properties().forEach(e -> skipped.put(e.getKey(), asLong(e.getValue(), "skipped." + e.getKey())));
        double time = asDouble(field(o, "time"), "time");
        return new StepMetrics(epoch, step, samples, lr, losses, logitScale, dataTime, batchTime, samplesPerSecond,
                skipped, time);
    }

    private static JsonNode field(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing \"" + key + "\"");
        }
        return v;
    }

    private static JsonNode object(JsonNode o, String key) {
        JsonNode v = field(o, key);
        if (!v.isObject()) {
            throw new IllegalArgumentException("\"" + key + "\" is not an object: " + v);
        }
        return v;
    }

    private static void putDouble(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.put(key, Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static double asDouble(JsonNode v, String key) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return switch (v.isTextual() ? v.textValue() : "") {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("\"" + key + "\" is not a number: " + v);
        };
    }

    private static long asLong(JsonNode v, String key) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("\"" + key + "\" is not an integer: " + v);
        }
        return v.longValue();
    }
}
