package org.lcl.models.train.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs a script with Debian's /usr/bin/python3 (any Python 3 will do: only the standard
 * library is used) and returns its stdout lines, so expected strings come from Python itself.
 * Tests calling it are skipped, with the reason printed, when that interpreter is absent.
 */
final class PythonReference {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    private PythonReference() {}

    /** Skips the calling test (printing why) unless {@link #PYTHON} can run. */
    static void assumePython() {
        boolean present = Files.isExecutable(PYTHON);
        if (!present) {
            System.out.println("SKIPPED: " + PYTHON + " not found; the Python reference strings cannot be made");
        }
        Assumptions.assumeTrue(present, PYTHON + " not found");
    }

    /** {@code script}'s stdout lines; {@code args} are passed as sys.argv[1:]. */
    static List<String> run(String script, List<String> args) throws IOException, InterruptedException {
        assumePython();
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("python3 failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }

    /** A double as Python's {@code float.fromhex} reads it back exactly. */
    static String hex(double x) {
        return Double.toHexString(x);
    }
}
