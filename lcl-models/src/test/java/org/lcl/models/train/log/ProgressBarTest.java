package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ProgressBarTest {

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** What a terminal shows on each line: the text after the last carriage return, trailing blanks cut. */
    static java.util.List<String> screen(String output) {
        // Not String.lines(): that also splits at '\r'.
        return java.util.Arrays.stream(output.split("\n", -1))
                .map(l -> l.substring(l.lastIndexOf('\r') + 1).stripTrailing()).toList();
    }

    @Test
    void rendersEpochBatchPercentRateLossAndEta() {
        ProgressBar bar = new ProgressBar(out, true, 120, nanos::get);
        bar.start(3, 500);
        nanos.addAndGet(30_000_000_000L); // 120 batches in 30 s: 380 more take 95 s
        bar.update(120, 1234.56, 2.34567);
        assertEquals("Epoch 3 [####................] 120/500  24% 1234.6/s loss 2.3457 ETA 0:01:35", bar.render());
        assertTrue(output().endsWith("\r" + bar.render()), output());
    }

    @Test
    void logLinesArePrintedAboveTheBarAndTheBarRedraws() {
        ProgressBar bar = new ProgressBar(out, true, 120, nanos::get);
        bar.start(0, 10);
        nanos.addAndGet(ProgressBar.MIN_REDRAW_NANOS);
        bar.update(5, 50.0, 1.0);
        bar.printAbove("2024-05-01,22:45:07 | INFO | a record");
        nanos.addAndGet(ProgressBar.MIN_REDRAW_NANOS);
        bar.update(10, 50.0, 0.5);
        bar.finish();
        // The record sits alone on its screen line; the bar ends erased.
        assertEquals(java.util.List.of("2024-05-01,22:45:07 | INFO | a record", ""), screen(output()));
        String afterRecord = output().substring(output().indexOf("a record\n") + "a record\n".length());
        assertTrue(afterRecord.contains("Epoch 0 [##########..........] 5/10  50%"), "redrawn after the record: " + afterRecord);
        assertTrue(afterRecord.contains("10/10 100%"), afterRecord);
    }

    @Test
    void redrawsAreThrottledExceptForTheLastBatch() {
        ProgressBar bar = new ProgressBar(out, true, 120, nanos::get);
        bar.start(0, 1000);
        int before = count(output(), '\r');
        for (int i = 1; i < 1000; i++) {
            bar.update(i, 10.0, 1.0); // the clock does not move: no redraw
        }
        assertEquals(before, count(output(), '\r'));
        bar.update(1000, 10.0, 1.0);
        assertTrue(output().endsWith("1000/1000 100% 10.0/s loss 1.0000"), output());
    }

    @Test
    void disabledBarPrintsOnlyRecords() {
        ProgressBar bar = new ProgressBar(out, false, 120, nanos::get);
        bar.start(0, 10);
        bar.update(1, 10.0, 1.0);
        bar.printAbove("record");
        bar.finish();
        assertEquals("record" + System.lineSeparator(), output());
        assertFalse(bar.enabled());
    }

    @Test
    void longLinesAreCutToTheTerminalWidth() {
        ProgressBar bar = new ProgressBar(out, true, 40, nanos::get);
        bar.start(12, 123456);
        bar.update(1234, 98765.4, 12.345);
        assertEquals(39, bar.render().length());
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }
}
