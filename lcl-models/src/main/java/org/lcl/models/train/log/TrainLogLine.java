package org.lcl.models.train.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedMap;

/**
 * The values of one OpenCLIP training log line, and its text:
 * <pre>{@code
 * Train Epoch: {e} [{n:>{digits}}/{samples_per_epoch} ({pct:.0f}%)] Data (t): {d:.3f} Batch (t): {b:.3f},
 * {sps:#g}/s, {sps_gpu:#g}/s/gpu LR: {lr:5f} Logit Scale: {s:.3f} Contrastive_loss: {v:#.5g} ({avg:#.5g})
 * Caption_loss: {v:#.5g} ({avg:#.5g}) Loss: {v:#.5g} ({avg:#.5g})
 * }</pre>
 * (one line). What the trainer passes, following OpenCLIP's {@code train_one_epoch}:
 * <ul>
 * <li>{@code samplesSeen} = batch_count · batch_size · accum_freq · world_size, padded to the
 *     width OpenCLIP computes for {@code samplesPerEpoch} (see {@link #sampleDigits});</li>
 * <li>{@code percent} = 100 · batch_count / num_batches_per_epoch;</li>
 * <li>{@code dataTime}, {@code batchTime}: {@link AverageMeter#avg()} of the data-wait and
 *     batch-time meters, which OpenCLIP resets after every log line;</li>
 * <li>{@code samplesPerSecond} = accum_freq · batch_size · world_size / batch_time.val (the
 *     last batch, not the average); {@code samplesPerSecondPerGpu} the same without world_size;</li>
 * <li>{@code lr}: the first parameter group's learning rate; {@code logitScale}: exp of the
 *     learnable logit scale;</li>
 * <li>{@code losses}: each loss by its dict name ({@code contrastive_loss}, {@code caption_loss})
 *     in dict order, as {@link Loss}(val, avg) of a meter kept over the epoch; printed
 *     capitalised like Python's {@code str.capitalize} ({@code Contrastive_loss});
 *     {@code total}: the summed loss, printed last as {@code Loss:} (OpenCLIP's {@code "loss"}
 *     entry).</li>
 * </ul>
 * <b>Extension to OpenCLIP:</b> when {@code skipped} holds a nonzero count, the line ends with
 * {@code " Skipped: 3 (image does not decode: 2, no caption: 1)"}: the total samples dropped
 * so far by the data pipeline, then each nonzero reason in map order. With nothing skipped the
 * line is exactly OpenCLIP's.
 */
public record TrainLogLine(
        int epoch,
        long samplesSeen,
        long samplesPerEpoch,
        double percent,
        double dataTime,
        double batchTime,
        double samplesPerSecond,
        double samplesPerSecondPerGpu,
        double lr,
        double logitScale,
        SequencedMap<String, Loss> losses,
        Loss total,
        Map<String, Long> skipped) {

    /** A loss as "val (avg)": the latest batch and the epoch's running average. */
    public record Loss(double val, double avg) {

        /** The meter's current {@code val} and {@code avg}. */
        public static Loss of(AverageMeter meter) {
            return new Loss(meter.val(), meter.avg());
        }
    }

    public TrainLogLine {
        Objects.requireNonNull(losses, "losses");
        Objects.requireNonNull(total, "total");
        Objects.requireNonNull(skipped, "skipped");
        losses = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(losses));
        skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
    }

    /** The message, without the record prefix that {@link RunLog} adds. */
    public String format() {
        StringBuilder line = new StringBuilder(256);
        line.append("Train Epoch: ").append(epoch)
                .append(" [").append(PyFormat.padLeft(Long.toString(samplesSeen), sampleDigits(samplesPerEpoch)))
                .append('/').append(samplesPerEpoch)
                .append(" (").append(PyFormat.fixed(percent, 0)).append("%)] ")
                .append("Data (t): ").append(PyFormat.fixed(dataTime, 3)).append(' ')
                .append("Batch (t): ").append(PyFormat.fixed(batchTime, 3)).append(", ")
                .append(PyFormat.general(samplesPerSecond)).append("/s, ")
                .append(PyFormat.general(samplesPerSecondPerGpu)).append("/s/gpu ")
                .append("LR: ").append(PyFormat.padLeft(PyFormat.fixed(lr, 6), 5)).append(' ')
                .append("Logit Scale: ").append(PyFormat.fixed(logitScale, 3)).append(' ');
        losses.forEach((name, loss) -> appendLoss(line, capitalize(name), loss).append(' '));
        appendLoss(line, "Loss", total);
        long skippedTotal = skipped.values().stream().mapToLong(Long::longValue).sum();
        if (skippedTotal > 0) {
            line.append(" Skipped: ").append(skippedTotal).append(" (");
            String sep = "";
            for (Map.Entry<String, Long> e : skipped.entrySet()) {
                if (e.getValue() != 0) {
                    line.append(sep).append(e.getKey()).append(": ").append(e.getValue());
                    sep = ", ";
                }
            }
            line.append(')');
        }
        return line.toString();
    }

    /**
     * OpenCLIP's {@code sample_digits = math.ceil(math.log(num_samples + 1, 10))}: the decimal
     * width of {@code samplesPerEpoch} except where the floating-point logarithm says otherwise
     * (0 for 0; one short past 10^15), reproduced rather than corrected so lines match.
     */
    public static int sampleDigits(long samplesPerEpoch) {
        return (int) Math.ceil(StrictMath.log((double) (samplesPerEpoch + 1)) / StrictMath.log(10.0));
    }

    private static StringBuilder appendLoss(StringBuilder line, String name, Loss loss) {
        return line.append(name).append(": ")
                .append(PyFormat.general(loss.val(), 5, true))
                .append(" (").append(PyFormat.general(loss.avg(), 5, true)).append(')');
    }

    /** Python's {@code str.capitalize}: first character upper case, the rest lower case. */
    static String capitalize(String name) {
        if (name.isEmpty()) {
            return name;
        }
        int first = name.codePointAt(0);
        int rest = Character.charCount(first);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(name.substring(rest).toLowerCase(Locale.ROOT)).toString();
    }
}
