package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.train.TrainConfig;
import picocli.CommandLine;

class TrainCommandTest {

    private static final String TINY = "LCL_ViT-Tiny-16_gpt2";

    private record Run(int code, String out, String err) {
    }

    /** Runs `lcl ARGS` in process; out/err are the command's streams. */
    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run train(String... args) {
        List<String> all = new ArrayList<>(List.of("train", "--model", TINY));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    @Test
    void helpListsOpenClipsAndLclsFlags() {
        // picocli reports a help text it cannot format on System.err.
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        Run r;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            r = run("train", "--help");
        } finally {
            System.setErr(saved);
        }
        assertEquals(0, r.code(), r.err());
        for (String flag : List.of("--train-data", "--train-data-upsampling-factors", "--train-num-samples", "--dataset-type",
                "--dataset-resampled", "--workers", "--batch-size", "--model", "--pretrained", "--epochs", "--epochs-cooldown", "--lr",
                "--beta1", "--beta2", "--eps", "--wd", "--warmup", "--lr-scheduler", "--accum-freq", "--grad-clip-norm", "--precision",
                "--grad-checkpointing", "--local-loss", "--gather-with-grad", "--seed", "--logs", "--name", "--save-frequency",
                "--save-most-recent", "--delete-previous-checkpoint", "--resume", "--log-every-n-steps", "--zeroshot-frequency",
                // LCL's
                "--use-interleaved-wrapper", "--interleaved-context-length", "--num-img-token", "--img-first-prob",
                "--data-global-distributed", "--lcl-contrastive-loss-weight", "--lcl-generation-loss-weight", "--tokenizer",
                "--max-nonfinite-steps")) {
            assertTrue(r.out().contains(flag), "help lacks " + flag + ":\n" + r.out());
        }
        String warnings = stderr.toString(StandardCharsets.UTF_8);
        assertFalse(warnings.contains("picocli WARN"), warnings);
    }

    @Test
    void unsupportedOpenClipFlagsAreRefusedByName() {
        for (String[] flag : List.of(new String[] {"--val-data", "x"}, new String[] {"--lock-image"}, new String[] {"--opt", "sgd"})) {
            Run r = train(flag);
            assertEquals(2, r.code(), Arrays.toString(flag) + ": " + r.err());
            assertTrue(r.err().contains(flag[0] + " is an OpenCLIP flag this project does not support yet"), r.err());
        }
    }

    @Test
    void contradictoryFlagsNameBoth() {
        assertContradiction(train("--train-data", "a.tar::b.tar", "--train-data-upsampling-factors", "1::2"),
                "--train-data-upsampling-factors", "--dataset-resampled");
        assertContradiction(train("--dataset-type", "mmc4", "--train-data", "/mmc4", "--use-interleaved-wrapper"),
                "--use-interleaved-wrapper", "--dataset-type mmc4");
        assertContradiction(train("--dataset-type", "synthetic", "--epochs-cooldown", "1"), "--epochs-cooldown", "--lr-scheduler cosine");
        assertContradiction(train("--dataset-type", "synthetic", "--data-global-distributed"), "--data-global-distributed",
                "--dataset-type synthetic");
    }

    private static void assertContradiction(Run r, String a, String b) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("contradictory flags") && r.err().contains(a) && r.err().contains(b), r.err());
    }

    @Test
    void halfCastPrecisionsAreExplained() {
        Run r = train("--dataset-type", "synthetic", "--precision", "bf16");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--precision bf16 is not supported yet") && r.err().contains("amp_bf16"), r.err());
        r = train("--dataset-type", "synthetic", "--precision", "fp8");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown --precision fp8"), r.err());
    }

    @Test
    void optimiserDefaultsFollowTheModelName() {
        TrainConfig vit = parse("train", "--model", "LCL_ViT-B-32_laion", "--dataset-type", "synthetic").config();
        assertEquals(5e-4, vit.optim().lr());
        assertEquals(0.98, vit.optim().beta2());
        assertEquals(1e-6, vit.optim().eps());
        TrainConfig rn = parse("train", "--model", "RN50", "--dataset-type", "synthetic").config();
        assertEquals(0.999, rn.optim().beta2());
        assertEquals(1e-8, rn.optim().eps());
        TrainConfig given = parse("train", "--model", "RN50", "--dataset-type", "synthetic", "--beta2", "0.95").config();
        assertEquals(0.95, given.optim().beta2());
    }

    private static TrainCommand parse(String... args) {
        return (TrainCommand) Main.commandLine().parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void aTinyRunWritesItsFolderRefusesItsNameAgainAndResumes(@TempDir Path logs) throws IOException {
        String[] tiny = {"--tokenizer", "gpt2", "--dataset-type", "synthetic", "--batch-size", "4", "--train-num-samples", "8",
                "--warmup", "1", "--precision", "fp32", "--logs", logs.toString(), "--name", "tiny", "--no-progress"};
        Run first = train(concat(tiny, "--epochs", "1"));
        assertEquals(0, first.code(), first.err());
        Path run = logs.resolve("tiny");

        String log = Files.readString(run.resolve("out.log"));
        assertTrue(log.contains("| INFO | Train Epoch: 0 [8/8 (100%)]"), log);

        List<String> params = Files.readAllLines(run.resolve("params.txt"));
        assertEquals(params.stream().sorted().toList(), params, "params.txt is sorted");
        assertTrue(params.stream().allMatch(l -> l.matches("[a-z0-9_]+: .*")), params.toString());
        // OpenCLIP's defaults for a ViT name, printed as Python's str() does.
        for (String line : List.of("lr: 0.0005", "beta1: 0.9", "beta2: 0.98", "eps: 1e-06", "batch_size: 4", "name: tiny",
                "precision: fp32", "dataset_type: synthetic", "model: " + TINY)) {
            assertTrue(params.contains(line), "params.txt lacks '" + line + "': " + params);
        }

        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertFalse(metrics.isEmpty());
        JsonNode last = new ObjectMapper().readTree(metrics.getLast());
        assertEquals(0, last.get("epoch").asInt());
        assertEquals(8, last.get("samples").asLong());
        assertTrue(Double.isFinite(last.get("losses").get("loss").asDouble()), metrics.getLast());

        byte[] png = Files.readAllBytes(run.resolve("loss.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        assertEquals(1L, epochOf(run.resolve("checkpoints/epoch_1.pt")));

        Run again = train(concat(tiny, "--epochs", "1"));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists") && again.err().contains("--resume latest"), again.err());

        Run resumed = train(concat(tiny, "--epochs", "2", "--resume", "latest"));
        assertEquals(0, resumed.code(), resumed.err());
        String log2 = Files.readString(run.resolve("out.log"));
        assertTrue(log2.startsWith(log), "out.log is appended to");
        String added = log2.substring(log.length());
        assertTrue(added.contains("resuming checkpoint") && added.contains("epoch_1.pt"), added);
        assertTrue(added.contains("Train Epoch: 1 ") && !added.contains("Train Epoch: 0 "), "epoch 2 only:\n" + added);
        assertEquals(2L, epochOf(run.resolve("checkpoints/epoch_2.pt")));
    }

    private static long epochOf(Path checkpoint) throws IOException {
        assertTrue(Files.isRegularFile(checkpoint), checkpoint + " missing");
        return ((Number) Checkpoints.read(checkpoint).entries().get("epoch")).longValue();
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
