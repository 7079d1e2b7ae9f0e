package org.lcl.models.eval;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluation's line in the results file.
 *
 * @param task linear-probe, zero-shot or retrieval
 * @param dataset the dataset (fashion-mnist or a directory)
 * @param model the model's config name or path
 * @param checkpoint the checkpoint file, or null for a randomly initialised model
 * @param metrics metric name → value
 * @param samples counts: train / test / skipped images ...
 * @param options the evaluation's settings (epochs, lr, templates ...)
 * @param timestamp when the evaluation finished
 */
public record EvalRecord(String task, String dataset, String model, String checkpoint, Map<String, Object> metrics, Map<String, Object> samples,
        Map<String, Object> options, Instant timestamp) {

    public EvalRecord {
        metrics = ordered(metrics);
        samples = ordered(samples);
        options = ordered(options);
    }

    /** An unmodifiable copy keeping the map's iteration order (the order written and printed). */
    private static Map<String, Object> ordered(Map<String, Object> m) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** The record as the JSON object written to the results file, keys in a fixed order (nulls kept; maps in their own order). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("dataset", dataset);
        m.put("model", model);
        m.put("checkpoint", checkpoint);
        m.put("metrics", metrics);
        m.put("samples", samples);
        m.put("options", options);
        m.put("timestamp", timestamp.toString());
        return m;
    }
}
