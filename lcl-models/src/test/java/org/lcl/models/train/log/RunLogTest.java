package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLogTest {

    static final Pattern RECORD = Pattern.compile("\\d{4}-\\d{2}-\\d{2},\\d{2}:\\d{2}:\\d{2} \\| (INFO|WARNING|ERROR) \\| .*");

    @TempDir
    Path dir;

    final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
    final PrintStream console = new PrintStream(consoleBytes, true, StandardCharsets.UTF_8);

    String console() {
        return consoleBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void prefixIsOpenClipsAsctimeLevelFormat() throws Exception {
        // 2024-05-01 13:45:07 in UTC is 2024-05-01 22:45:07 in Tokyo: local time is printed.
        Clock tokyo = Clock.fixed(Instant.parse("2024-05-01T13:45:07.250Z"), ZoneId.of("Asia/Tokyo"));
        Path file = dir.resolve("logs/run/out.log");
        try (RunLog log = RunLog.open(file, console, false, tokyo)) {
            log.info("Start epoch 0");
            log.warning("careful");
            log.error("broken");
        }
        List<String> expected = List.of(
                "2024-05-01,22:45:07 | INFO | Start epoch 0",
                "2024-05-01,22:45:07 | WARNING | careful",
                "2024-05-01,22:45:07 | ERROR | broken");
        assertEquals(expected, Files.readAllLines(file));
        assertEquals(expected, console().lines().toList());
    }

    @Test
    void appendsToAnExistingLogAndStampsWithTheSystemClock() throws Exception {
        Path file = dir.resolve("out.log");
        try (RunLog log = RunLog.open(file, console, false, Clock.systemDefaultZone())) {
            log.info("first run");
        }
        try (RunLog log = RunLog.open(file, console, false, Clock.systemDefaultZone())) {
            log.info("resumed");
            log.error("failed", new IllegalStateException("boom"));
        }
        List<String> lines = Files.readAllLines(file);
        assertTrue(RECORD.matcher(lines.get(0)).matches() && lines.get(0).endsWith(" | INFO | first run"), lines.get(0));
        assertTrue(lines.get(1).endsWith(" | INFO | resumed"), lines.get(1));
        assertTrue(lines.get(2).endsWith(" | ERROR | failed"), lines.get(2));
        assertEquals("java.lang.IllegalStateException: boom", lines.get(3));
        assertTrue(lines.get(4).startsWith("\tat "), lines.get(4));
        assertEquals(lines, console().lines().toList());
    }

    @Test
    void concurrentRecordsStayWhole() throws Exception {
        Path file = dir.resolve("out.log");
        try (RunLog log = RunLog.open(file, console, false, Clock.systemDefaultZone())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 250; i++) {
                        log.info("thread " + id + " record " + i + " " + "x".repeat(200));
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(1000, lines.size());
        Pattern whole = Pattern.compile(".* \\| INFO \\| thread \\d record \\d+ x{200}");
        for (String line : lines) {
            assertTrue(whole.matcher(line).matches(), line);
        }
        assertEquals(lines, console().lines().toList());
    }

    @Test
    void closedLogRefusesRecords() throws Exception {
        Path file = dir.resolve("out.log");
        RunLog log = RunLog.open(file, console, false, Clock.systemDefaultZone());
        log.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> log.info("late"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void progressBarIsSilentWhenNotATerminal() throws Exception {
        try (RunLog log = RunLog.open(dir.resolve("out.log"), console, false, Clock.systemDefaultZone())) {
            assertFalse(log.progress().enabled());
            log.progress().start(0, 10);
            for (int i = 1; i <= 10; i++) {
                log.progress().update(i, 100.0, 2.5);
            }
            log.info("done");
            log.progress().finish();
        }
        assertFalse(console().contains("\r"));
        assertFalse(console().contains("Epoch 0 ["));
        assertEquals(1, console().lines().count());
    }
}
