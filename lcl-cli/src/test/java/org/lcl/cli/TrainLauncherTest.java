package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lcl train --nproc-per-node 2}: two worker JVMs on Gloo over 127.0.0.1 train the micro LCL
 * config; a worker killed with SIGKILL ends the job, non-zero, within the grace time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TrainLauncherTest {

    private static final String MODEL = Path.of("../lcl-models/src/test/resources/train/lcl-micro.json").toAbsolutePath().toString();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static List<String> trainArgs(Path logs, long samples) {
        return new ArrayList<>(List.of("--model", MODEL, "--tokenizer", "gpt2", "--dataset-type", "synthetic", "--train-num-samples",
                Long.toString(samples), "--batch-size", "4", "--epochs", "1", "--precision", "fp32", "--logs", logs.toString(), "--name", "run",
                "--log-every-n-steps", "1", "--warmup", "1", "--workers", "1", "--no-progress", "--gather-with-grad", "--dist-timeout", "60"));
    }

    @Test
    void twoWorkersTrainAndOnlyRankZeroSpeaks(@TempDir Path dir) throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--nproc-per-node", "2", "--master-port", Integer.toString(freePort())));
        args.addAll(trainArgs(dir, 32));
        int code = new CommandLine(new Main()).execute(args.toArray(String[]::new));
        assertEquals(0, code);
        Path run = dir.resolve("run");
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/epoch_1.pt")), "no checkpoint");
        String log = Files.readString(run.resolve("out.log"));
        assertTrue(log.contains("Running in distributed mode with multiple processes (gloo"), log);
        assertTrue(log.contains("total 2."), log);
        // 32 samples per epoch over 2 ranks of batch 4: 4 steps of 8 global samples
        assertTrue(log.contains("[32/32 (100%)]"), log);
        assertFalse(log.contains("[40/32"), log);
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)/s, (\\d+(?:\\.\\d+)?)/s/gpu").matcher(log);
        assertTrue(m.find(), "no samples/s in the log:\n" + log);
        assertEquals(Double.parseDouble(m.group(1)) / 2, Double.parseDouble(m.group(2)), 0.02 * Double.parseDouble(m.group(1)));
        try (var files = Files.list(run)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.contains("rank")).toList());
        }
    }

    @Test
    void aKilledWorkerEndsTheJobWithinTheGraceTime(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        WorkerLauncher launcher = new WorkerLauncher(new WorkerLauncher.Topology(2, 1, 0, "127.0.0.1", freePort()),
                trainArgs(dir, 400_000), Duration.ofSeconds(5), out);
        CompletableFuture<Integer> job = CompletableFuture.supplyAsync(launcher::run);
        Path outLog = dir.resolve("run/out.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(Files.exists(outLog) && Files.readString(outLog).contains("Train Epoch"))) {
            assertTrue(System.nanoTime() < deadline, "training did not start:\n" + buf.toString(StandardCharsets.UTF_8));
            assertFalse(job.isDone(), "the job ended early:\n" + buf.toString(StandardCharsets.UTF_8));
            Thread.sleep(200);
        }
        String started = buf.toString(StandardCharsets.UTF_8);
        Matcher rank0 = Pattern.compile("started worker rank 0 \\(local 0, pid (\\d+)\\)").matcher(started);
        Matcher rank1 = Pattern.compile("started worker rank 1 \\(local 1, pid (\\d+)\\)").matcher(started);
        assertTrue(rank0.find() && rank1.find(), started);
        ProcessHandle victim = ProcessHandle.of(Long.parseLong(rank1.group(1))).orElseThrow();
        ProcessHandle survivor = ProcessHandle.of(Long.parseLong(rank0.group(1))).orElseThrow();
        long t0 = System.nanoTime();
        victim.destroyForcibly();
        int code = job.get(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = buf.toString(StandardCharsets.UTF_8);
        System.out.printf("[killed worker] job ended after %.1f s with status %d%n%s", seconds, code, text);
        assertNotEquals(0, code);
        assertTrue(seconds < 5 + 10, "the job took " + seconds + " s to end");
        assertTrue(text.contains("worker rank 1 (pid " + victim.pid() + ") was killed by signal 9 (SIGKILL)"), text);
        assertFalse(survivor.isAlive(), "rank 0 still runs");
    }

    @Test
    void launcherFlagsStayWithTheLauncher() {
        assertEquals(List.of("--model", "m", "--dist-timeout", "9"), WorkerLauncher.workerArgs(
                List.of("--nproc-per-node", "2", "--model", "m", "--master-port=123", "--dist-timeout", "9", "--nnodes", "1"),
                List.of("--nproc-per-node", "--nnodes", "--master-port")));
        assertEquals("was killed by signal 15 (SIGTERM)", WorkerLauncher.cause(143));
        assertEquals("exited with status 1", WorkerLauncher.cause(1));
    }
}
