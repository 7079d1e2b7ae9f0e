package org.lcl.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lcl compare}: the demo's verdict. Reads the results JSONL that {@code lcl eval} appends
 * to and puts a checkpoint's latest metrics next to a random-init baseline's (the records without
 * a checkpoint), task by task, with the margin.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare a pretrained checkpoint's evaluation results with random initialisation (records of 'lcl eval' "
                + "without --pretrained), task by task: acc1 of each and the margin. Exit code 0 when every task's margin reaches "
                + "--min-margin, 1 otherwise.")
final class CompareCommand implements Callable<Integer> {

    @Option(names = "--results", required = true, paramLabel = "FILE", description = "results JSONL written by lcl eval")
    Path results;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "the pretrained checkpoint as lcl eval recorded it")
    String checkpoint;

    @Option(names = "--metric", defaultValue = "acc1", paramLabel = "NAME", description = "metric to compare (default: ${DEFAULT-VALUE})")
    String metric;

    @Option(names = "--min-margin", defaultValue = "0.05", paramLabel = "M",
            description = "smallest margin (absolute) that counts as a clear win (default: ${DEFAULT-VALUE})")
    double minMargin;

    private record Row(String task, double pretrained, double random) {
    }

    @Override
    public Integer call() {
        try {
            Map<String, Double> pre = new LinkedHashMap<>();
            Map<String, Double> rnd = new LinkedHashMap<>();
            ObjectMapper json = new ObjectMapper();
            String wanted = Path.of(checkpoint).toAbsolutePath().normalize().toString();
            for (String line : Files.readAllLines(results)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode r = json.readTree(line);
                JsonNode m = r.path("metrics").path(metric);
                if (!m.isNumber()) {
                    continue;
                }
                String key = r.path("task").asText() + " on " + r.path("dataset").asText();
                JsonNode ck = r.path("checkpoint");
                if (ck.isNull() || ck.isMissingNode()) {
                    rnd.put(key, m.asDouble());
                } else if (Path.of(ck.asText()).toAbsolutePath().normalize().toString().equals(wanted)) {
                    pre.put(key, m.asDouble());
                }
            }
            List<Row> rows = new ArrayList<>();
            for (Map.Entry<String, Double> e : pre.entrySet()) {
                if (rnd.containsKey(e.getKey())) {
                    rows.add(new Row(e.getKey(), e.getValue(), rnd.get(e.getKey())));
                }
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException(results + " has no task evaluated both for " + checkpoint
                        + " and for random init (lcl eval without --pretrained)");
            }
            System.out.printf(Locale.ROOT, "%-34s %12s %12s %9s%n", metric, "pretrained", "random init", "margin");
            boolean allClear = true;
            for (Row r : rows) {
                double margin = r.pretrained() - r.random();
                allClear &= margin >= minMargin;
                System.out.printf(Locale.ROOT, "%-34s %12.4f %12.4f %+9.4f%n", r.task(), r.pretrained(), r.random(), margin);
            }
            System.out.println(allClear
                    ? "verdict: LCL pre-training beats random initialisation on every task by at least " + minMargin
                    : "verdict: LCL pre-training does NOT beat random initialisation by " + minMargin + " on every task");
            return allClear ? 0 : 1;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }
}
