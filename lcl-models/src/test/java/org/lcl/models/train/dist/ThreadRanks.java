package org.lcl.models.train.dist;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.lcl.torch.ProcessGroup;
import org.lcl.torch.Scope;
import org.lcl.torch.TcpStore;

/** Ranks of a Gloo group over 127.0.0.1, one thread each in this JVM (c10d allows it: a store and a group per rank). */
public final class ThreadRanks {

    /** One rank's work; runs inside a scope that closes after it returns. */
    public interface Body<T> {
        T run(ProcessGroup group) throws Exception;
    }

    private ThreadRanks() {}

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Runs body on world ranks and returns their results in rank order; a rank's failure is rethrown. */
    public static <T> List<T> run(int world, Body<T> body) throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int rank = 0; rank < world; rank++) {
                int me = rank;
                fs.add(pool.submit(() -> {
                    try (TcpStore store = TcpStore.create("127.0.0.1", port, world, me == 0, Duration.ofSeconds(30));
                         ProcessGroup pg = ProcessGroup.create(store, ProcessGroup.Backend.GLOO, me, world, Duration.ofSeconds(30))) {
                        T result;
                        try (Scope s = Scope.open()) {
                            result = body.run(pg);
                        }
                        // The master's store must outlive the others'.
                        store.add("finished", 1);
                        while (me == 0 && store.add("finished", 0) < world) {
                            Thread.sleep(5);
                        }
                        return result;
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                try {
                    out.add(f.get(120, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : e;
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
