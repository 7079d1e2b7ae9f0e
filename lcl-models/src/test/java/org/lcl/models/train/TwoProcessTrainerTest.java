package org.lcl.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lcl.models.train.DataParallelFixtures.Run;
import org.lcl.models.train.dist.ThreadRanks;

/**
 * Issue 6's equivalence with two real OS processes (child JVMs running {@link RankMain}) as the
 * Gloo ranks, against one process with batch 2B in this JVM: the same check as
 * DataParallelTrainerTest's thread ranks, with nothing shared between the ranks but the sockets.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TwoProcessTrainerTest {

    private static final long RANK_TIMEOUT_S = 120;

    @ParameterizedTest(name = "accum-freq {0}")
    @ValueSource(ints = {1, 2})
    void twoProcessesOfBEqualOneProcessOf2B(int accum, @TempDir Path dir) throws Exception {
        Run single = DataParallelFixtures.trainOneProcess(dir, accum);
        List<Run> ranks = runRanks(dir, accum);
        DataParallelFixtures.assertEquivalent("two processes, accum " + accum, single, ranks);
    }

    private static List<Run> runRanks(Path dir, int accum) throws Exception {
        String library = System.getProperty("lcl.torch.library");
        assertNotNull(library, "system property lcl.torch.library is not set; the ranks need it");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int port = ThreadRanks.freePort();
        List<Process> procs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int rank = 0; rank < 2; rank++) {
                Path log = dir.resolve("rank" + rank + ".log");
                logs.add(log);
                procs.add(new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                        "-Dlcl.torch.library=" + library, "-cp", System.getProperty("java.class.path"),
                        RankMain.class.getName(), Integer.toString(rank), "2", Integer.toString(port), dir.toString(),
                        Integer.toString(accum))
                        .directory(Path.of(System.getProperty("user.dir")).toFile()) // TrainFixtures.MODEL is relative to it
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start());
            }
            for (int rank = 0; rank < 2; rank++) {
                if (!procs.get(rank).waitFor(RANK_TIMEOUT_S, TimeUnit.SECONDS)) {
                    fail("rank " + rank + " still running after " + RANK_TIMEOUT_S + " s\n" + outputs(logs));
                }
                assertEquals(0, procs.get(rank).exitValue(), "rank " + rank + " failed\n" + outputs(logs));
            }
        } finally {
            for (Process p : procs) {
                p.destroyForcibly();
            }
        }
        return List.of(Run.read(RankMain.output(dir, 0)), Run.read(RankMain.output(dir, 1)));
    }

    private static String outputs(List<Path> logs) throws Exception {
        StringBuilder out = new StringBuilder();
        for (int rank = 0; rank < logs.size(); rank++) {
            out.append("--- rank ").append(rank).append(" output ---\n").append(Files.readString(logs.get(rank))).append('\n');
        }
        return out.toString();
    }
}
