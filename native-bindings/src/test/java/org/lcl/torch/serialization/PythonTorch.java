package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs scripts under Debian's system python with its python3-torch, the reference torch.save/torch.load. */
final class PythonTorch {

    /** The system interpreter: the first python3 on PATH is another build without torch. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    record Result(int exitCode, String output) {
    }

    private static String unavailable;
    private static boolean checked;

    private PythonTorch() {
    }

    /** Skips the calling test, printing why, unless /usr/bin/python3 can import torch. */
    static synchronized void assumeAvailable() throws Exception {
        if (!checked) {
            checked = true;
            if (!Files.isExecutable(PYTHON)) {
                unavailable = PYTHON + " not found";
            } else {
                Result r = exec(List.of(PYTHON.toString(), "-c", "import torch"));
                if (r.exitCode != 0) {
                    unavailable = PYTHON + " cannot import torch: " + r.output.strip();
                }
            }
            if (unavailable != null) {
                System.out.println("SKIPPED Python interop tests: " + unavailable);
            }
        }
        assumeTrue(unavailable == null, () -> "Python interop skipped: " + unavailable);
    }

    /** Runs {@code script} with {@code args} as sys.argv[1:]; stdout and stderr together. */
    static Result run(Path dir, String script, String... args) throws Exception {
        Path file = dir.resolve("script.py");
        Files.writeString(file, script);
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), file.toString()));
        command.addAll(List.of(args));
        return exec(command);
    }

    /** Output goes to a file so that a hung interpreter hits the timeout instead of blocking a pipe read. */
    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("python-torch", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after 120 s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
