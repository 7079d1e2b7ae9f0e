package org.lcl.models.train.log;

import java.io.Console;
import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar redrawn in place with a carriage return: epoch, batch i/n, percent,
 * samples/s, last loss and ETA, e.g.
 * {@code Epoch 3 [#######.............] 120/500  24% 1234.5/s loss 2.3456 ETA 0:01:23}.
 * It is drawn only when stdout is a terminal ({@link #stdoutIsTerminal()}); otherwise every
 * method is a no-op, so redirected output and {@code out.log} never contain it.
 *
 * <p>Obtain it from {@link RunLog#progress()}: the log prints its records through
 * {@link #printAbove}, which erases the bar, prints the record and redraws the bar below, so
 * log lines and the bar never share a line. Thread-safe (all methods lock the bar). Redraws
 * are limited to one per {@value #MIN_REDRAW_NANOS} ns, except for the last batch.
 */
public final class ProgressBar {

    static final long MIN_REDRAW_NANOS = 100_000_000L;
    private static final int BAR_CELLS = 20;

    private final PrintStream out;
    private final boolean enabled;
    private final int columns;
    private final LongSupplier nanoClock;

    private int epoch;
    private long numBatches;
    private long startNanos;
    private long batch;
    private double samplesPerSecond = Double.NaN;
    private double loss = Double.NaN;
    private boolean active;
    private int drawnLength;
    private long lastDrawNanos;

    ProgressBar(PrintStream out, boolean enabled, int columns, LongSupplier nanoClock) {
        this.out = out;
        this.enabled = enabled;
        this.columns = Math.max(columns, 20);
        this.nanoClock = nanoClock;
    }

    /**
     * True when both stdin and stdout are a terminal ({@link Console#isTerminal()}, Java 22+;
     * {@code System.console()} alone is non-null even when redirected since Java 22).
     */
    public static boolean stdoutIsTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** The terminal width from {@code $COLUMNS}, else 80. */
    static int terminalColumns() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").trim());
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /** Whether this bar draws anything. */
    public boolean enabled() {
        return enabled;
    }

    /** Begins an epoch of {@code numBatches} batches; the ETA clock starts now. */
    public synchronized void start(int epoch, long numBatches) {
        if (!enabled) {
            return;
        }
        erase();
        this.epoch = epoch;
        this.numBatches = numBatches;
        this.startNanos = nanoClock.getAsLong();
        this.batch = 0;
        this.samplesPerSecond = Double.NaN;
        this.loss = Double.NaN;
        this.active = true;
        draw();
    }

    /**
     * After batch {@code batch} (1-based: batches done this epoch) of the epoch begun by
     * {@link #start}, with the current samples/s and the last total loss.
     */
    public synchronized void update(long batch, double samplesPerSecond, double loss) {
        if (!enabled || !active) {
            return;
        }
        this.batch = batch;
        this.samplesPerSecond = samplesPerSecond;
        this.loss = loss;
        long now = nanoClock.getAsLong();
        if (now - lastDrawNanos >= MIN_REDRAW_NANOS || batch >= numBatches) {
            draw();
        }
    }

    /** Ends the epoch: the bar is erased and stays hidden until the next {@link #start}. */
    public synchronized void finish() {
        if (!enabled) {
            return;
        }
        erase();
        active = false;
    }

    /** Prints {@code line} on its own line above the bar (erase, print, redraw). */
    synchronized void printAbove(String line) {
        erase();
        out.println(line);
        if (enabled && active) {
            draw();
        }
        out.flush();
    }

    /** The text of the bar as it would be drawn now (no carriage return or padding). */
    synchronized String render() {
        double fraction = numBatches > 0 ? Math.min(1.0, (double) batch / numBatches) : 0.0;
        int filled = (int) Math.floor(fraction * BAR_CELLS);
        StringBuilder s = new StringBuilder(96);
        s.append("Epoch ").append(epoch).append(" [")
                .append("#".repeat(filled)).append(".".repeat(BAR_CELLS - filled)).append("] ")
                .append(batch).append('/').append(numBatches).append(' ')
                .append(PyFormat.padLeft(PyFormat.fixed(100 * fraction, 0), 3)).append('%');
        if (Double.isFinite(samplesPerSecond)) {
            s.append(' ').append(PyFormat.fixed(samplesPerSecond, 1)).append("/s");
        }
        if (batch > 0) {
            s.append(" loss ").append(PyFormat.general(loss, 5, true));
        }
        if (batch > 0 && batch < numBatches) {
            double elapsed = (nanoClock.getAsLong() - startNanos) / 1e9;
            s.append(" ETA ").append(hms(elapsed / batch * (numBatches - batch)));
        }
        return s.length() < columns ? s.toString() : s.substring(0, columns - 1);
    }

    private void draw() {
        String text = render();
        // Pad over a longer previous bar; the padding counts as drawn so erase() covers it.
        String padded = text + " ".repeat(Math.max(0, drawnLength - text.length()));
        out.print("\r" + padded);
        out.flush();
        drawnLength = padded.length();
        lastDrawNanos = nanoClock.getAsLong();
    }

    private void erase() {
        if (drawnLength > 0) {
            out.print("\r" + " ".repeat(drawnLength) + "\r");
            drawnLength = 0;
        }
    }

    private static String hms(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
