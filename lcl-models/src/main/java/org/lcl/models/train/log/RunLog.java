package org.lcl.models.train.log;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The run's logger, as OpenCLIP's {@code setup_logging}: every record goes to
 * {@code logs/NAME/out.log} (appended, so a resumed run continues the file; flushed after each
 * record) and to the console, as {@code 2024-05-01,13:45:07 | INFO | message} (local time).
 * A {@link Throwable} passed to {@link #error(String, Throwable)} follows its record as the
 * stack trace, without prefixes, as Python's traceback does.
 *
 * <p>The console is stdout (OpenCLIP's stream handler writes to stderr; stdout here keeps the
 * progress bar and the records on one stream). Records are printed above the
 * {@link #progress() progress bar}, which is live only when stdout is a terminal. Thread-safe:
 * records from loader threads and the training thread never interleave within a line.
 * Whether an existing {@code out.log} may be reused (only when resuming) is the trainer's call.
 */
public final class RunLog implements AutoCloseable {

    /** The levels OpenCLIP's training uses. */
    public enum Level { INFO, WARNING, ERROR }

    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("yyyy-MM-dd,HH:mm:ss");

    private final Path file;
    private final BufferedWriter writer;
    private final ProgressBar progress;
    private final Clock clock;
    private boolean closed;

    private RunLog(Path file, BufferedWriter writer, ProgressBar progress, Clock clock) {
        this.file = file;
        this.writer = writer;
        this.progress = progress;
        this.clock = clock;
    }

    /**
     * Opens {@code outLog} for appending (creating it and its parent folders) with stdout as
     * the console and a progress bar that draws only if stdout is a terminal.
     */
    public static RunLog open(Path outLog) throws IOException {
        return open(outLog, System.out, ProgressBar.stdoutIsTerminal(), Clock.systemDefaultZone());
    }

    /**
     * As {@link #open(Path)} with an explicit console stream, whether it is a terminal (the
     * progress bar draws only then) and the clock for timestamps (its zone gives local time).
     */
    public static RunLog open(Path outLog, PrintStream console, boolean terminal, Clock clock) throws IOException {
        Path parent = outLog.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BufferedWriter writer = Files.newBufferedWriter(outLog, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        ProgressBar bar = new ProgressBar(console, terminal, ProgressBar.terminalColumns(), System::nanoTime);
        return new RunLog(outLog, writer, bar, clock);
    }

    /** The log file, {@code logs/NAME/out.log}. */
    public Path file() {
        return file;
    }

    /** The console progress bar (inactive, printing nothing, when stdout is not a terminal). */
    public ProgressBar progress() {
        return progress;
    }

    public void info(String message) {
        log(Level.INFO, message);
    }

    public void warning(String message) {
        log(Level.WARNING, message);
    }

    public void error(String message) {
        log(Level.ERROR, message);
    }

    /** An ERROR record followed by the stack trace of {@code cause}. */
    public void error(String message, Throwable cause) {
        StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        log(Level.ERROR, message + System.lineSeparator() + trace.toString().stripTrailing());
    }

    /** Writes one record to the file (flushed) and the console. */
    public synchronized void log(Level level, String message) {
        if (closed) {
            throw new IllegalStateException("run log " + file + " is closed; cannot log: " + message);
        }
        String record = prefix(LocalDateTime.now(clock), level) + message;
        try {
            writer.write(record);
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to run log " + file, e);
        }
        progress.printAbove(record);
    }

    /** OpenCLIP's record prefix, {@code %Y-%m-%d,%H:%M:%S | LEVEL | }. */
    static String prefix(LocalDateTime time, Level level) {
        return ASCTIME.format(time) + " | " + level + " | ";
    }

    /** Erases the progress bar and closes the file; later records throw. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        progress.finish();
        writer.close();
    }
}
