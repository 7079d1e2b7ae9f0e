package org.lcl.models.train.log;

/**
 * OpenCLIP's {@code AverageMeter}: the latest value and the running, count-weighted average.
 * The trainer keeps one for data time and one for batch time (reset after each log line, as
 * OpenCLIP does, so the line shows averages over the last log window) and one per loss (kept
 * over the epoch, updated with the batch size as weight). Not thread-safe: the training
 * thread owns it.
 */
public final class AverageMeter {

    private double val;
    private double avg;
    private double sum;
    private long count;

    public AverageMeter() {
        reset();
    }

    /** Back to the state of a new meter: every field 0. */
    public void reset() {
        val = 0;
        avg = 0;
        sum = 0;
        count = 0;
    }

    /** Records {@code value} with weight 1. */
    public void update(double value) {
        update(value, 1);
    }

    /** Records {@code value} observed {@code n} times (OpenCLIP passes the batch size for losses). */
    public void update(double value, long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("weight n must be positive, got " + n);
        }
        val = value;
        sum += value * n;
        count += n;
        avg = sum / count;
    }

    /** The latest value recorded. */
    public double val() {
        return val;
    }

    /** {@code sum / count}; 0 before the first update. */
    public double avg() {
        return avg;
    }

    public double sum() {
        return sum;
    }

    public long count() {
        return count;
    }
}
