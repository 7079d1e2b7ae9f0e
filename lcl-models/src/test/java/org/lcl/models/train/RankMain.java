package org.lcl.models.train;

import java.nio.file.Path;
import java.time.Duration;

import org.lcl.models.train.DataParallelFixtures.Run;
import org.lcl.torch.ProcessGroup;
import org.lcl.torch.Scope;
import org.lcl.torch.TcpStore;

/**
 * One rank of TwoProcessTrainerTest as its own JVM: {@code RankMain rank world port workDir accum}
 * joins a Gloo group over 127.0.0.1, trains {@link DataParallelFixtures#trainRank} and writes
 * the run to {@code workDir/rank<rank>.run}. Exits 0, or 1 with the failure on stderr.
 */
final class RankMain {

    private RankMain() {}

    static Path output(Path workDir, int rank) {
        return workDir.resolve("rank" + rank + ".run");
    }

    public static void main(String[] args) {
        try {
            if (args.length != 5) {
                throw new IllegalArgumentException("usage: RankMain rank world port workDir accum, got " + args.length + " arguments");
            }
            int rank = Integer.parseInt(args[0]);
            int world = Integer.parseInt(args[1]);
            int port = Integer.parseInt(args[2]);
            Path dir = Path.of(args[3]);
            int accum = Integer.parseInt(args[4]);
            try (TcpStore store = TcpStore.create("127.0.0.1", port, world, rank == 0, Duration.ofSeconds(60));
                 ProcessGroup pg = ProcessGroup.create(store, ProcessGroup.Backend.GLOO, rank, world, Duration.ofSeconds(60))) {
                Run run;
                try (Scope s = Scope.open()) {
                    run = DataParallelFixtures.trainRank(pg, dir, accum);
                }
                run.write(output(dir, rank));
                // rank 0 hosts the store: it must outlive the other ranks' use of it
                store.add("finished", 1);
                while (rank == 0 && store.add("finished", 0) < world) {
                    Thread.sleep(5);
                }
            }
        } catch (Throwable e) {
            System.err.println("rank " + (args.length > 0 ? args[0] : "?") + " failed:");
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
