package org.lcl.models.train.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedMap;

/**
 * The metrics of one logged training step, one line of {@code metrics.jsonl}
 * (see {@link MetricsJsonl}).
 *
 * @param epoch            the epoch (OpenCLIP counts from 0 in the log line)
 * @param step             the global optimiser step, counted over the whole run
 * @param samples          samples seen in the whole run so far, all ranks together
 * @param lr               the learning rate of the first parameter group
 * @param losses           the latest value of each loss by its dict name, in dict order, the
 *                         total last under {@value #TOTAL} (as OpenCLIP's losses dict)
 * @param logitScale       exp of the learnable logit scale
 * @param dataTime         average data-wait seconds per batch over the log window
 * @param batchTime        average seconds per batch over the log window
 * @param samplesPerSecond samples per second, all ranks together
 * @param skipped          samples dropped by the data pipeline so far, by reason
 * @param time             wall-clock time of the record, seconds since the Unix epoch
 */
public record StepMetrics(
        int epoch,
        long step,
        long samples,
        double lr,
        SequencedMap<String, Double> losses,
        double logitScale,
        double dataTime,
        double batchTime,
        double samplesPerSecond,
        Map<String, Long> skipped,
        double time) {

    /** The name of the summed loss in {@link #losses}. */
    public static final String TOTAL = "loss";

    public StepMetrics {
        Objects.requireNonNull(losses, "losses");
        Objects.requireNonNull(skipped, "skipped");
        losses = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(losses));
        skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
    }

    /** The current wall-clock time in the unit of {@link #time}. */
    public static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
