package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {

    private static String record(String task, String checkpoint, double acc1) {
        return "{\"task\":\"" + task + "\",\"dataset\":\"fashion-mnist\",\"model\":\"m\",\"checkpoint\":"
                + (checkpoint == null ? "null" : "\"" + checkpoint + "\"") + ",\"metrics\":{\"acc1\":" + acc1 + "}}";
    }

    private static int run(Path results, Path ckpt, ByteArrayOutputStream out) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        try {
            return Main.commandLine().execute("compare", "--results", results.toString(), "--checkpoint", ckpt.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void putsPretrainedNextToRandomInitAndJudgesTheMargin(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("epoch_1.pt");
        Path results = dir.resolve("results.jsonl");
        Files.writeString(results, String.join("\n",
                record("linear-probe", ckpt.toString(), 0.50),     // an older result for the same checkpoint
                record("linear-probe", ckpt.toString(), 0.80),
                record("zero-shot", ckpt.toString(), 0.60),
                record("linear-probe", null, 0.70),
                record("zero-shot", null, 0.10),
                record("zero-shot", dir.resolve("other.pt").toString(), 0.99)) + "\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, run(results, ckpt, out));
        String text = out.toString();
        assertTrue(text.contains("linear-probe on fashion-mnist") && text.contains("0.8000") && text.contains("+0.1000"), text);
        assertTrue(text.contains("zero-shot on fashion-mnist") && text.contains("0.6000") && text.contains("+0.5000"), text);
        assertTrue(text.contains("beats random initialisation"), text);

        Files.writeString(results, record("linear-probe", null, 0.79) + "\n", java.nio.file.StandardOpenOption.APPEND);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertEquals(1, run(results, ckpt, again));
        assertTrue(again.toString().contains("does NOT beat"), again.toString());
    }

    @Test
    void noComparableRecordsIsAnError(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("results.jsonl");
        Files.writeString(results, record("zero-shot", null, 0.1) + "\n");
        assertEquals(2, run(results, dir.resolve("x.pt"), new ByteArrayOutputStream()));
    }
}
