package org.lcl.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code lcl train --nproc-per-node N}: torchrun's local agent. Starts N worker JVMs (this java,
 * its JVM options and lcl.* system properties, its class path) running {@code lcl train} with the
 * worker arguments and torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
 * MASTER_ADDR, MASTER_PORT); rank 0 speaks on this terminal, the others' output is prefixed with
 * their rank. Supervises them: when one exits non-zero or dies, the others get SIGTERM and,
 * after the grace time, SIGKILL, and the launcher exits non-zero naming the rank and the cause.
 */
final class WorkerLauncher {

    /** The torchrun-style topology of this node's part of the run. */
    record Topology(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort) {
        Topology {
            if (nprocPerNode < 1 || nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
                throw new IllegalArgumentException("--nproc-per-node " + nprocPerNode + " --nnodes " + nnodes + " --node-rank " + nodeRank
                        + ": need at least one process per node and 0 <= node rank < nnodes");
            }
        }

        int worldSize() {
            return nprocPerNode * nnodes;
        }
    }

    private record Exit(int rank, long pid, int code) {
    }

    private final Topology topology;
    private final List<String> workerArgs;
    private final Duration grace;
    private final PrintStream out;

    WorkerLauncher(Topology topology, List<String> workerArgs, Duration grace, PrintStream out) {
        this.topology = topology;
        this.workerArgs = List.copyOf(workerArgs);
        this.grace = grace;
        this.out = out;
    }

    /** The command of a worker: this JVM's java, options and class path, then {@code Main train ARGS}. */
    List<String> workerCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // The launcher's own debugger or agent settings would clash between workers.
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("lcl.")) {
                cmd.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("train");
        cmd.addAll(workerArgs);
        return cmd;
    }

    /** Runs the workers to the end; returns 0 when all succeeded, else the first failure's exit code (at least 1). */
    int run() {
        List<String> cmd = workerCommand();
        List<Process> procs = new java.util.concurrent.CopyOnWriteArrayList<>();
        LinkedBlockingQueue<Exit> exits = new LinkedBlockingQueue<>();
        // A launcher stopped by a signal takes its workers with it.
        Thread killChildren = new Thread(() -> procs.forEach(Process::destroy));
        Runtime.getRuntime().addShutdownHook(killChildren);
        try {
            for (int local = 0; local < topology.nprocPerNode(); local++) {
                int rank = topology.nodeRank() * topology.nprocPerNode() + local;
                ProcessBuilder pb = new ProcessBuilder(cmd);
                Map<String, String> env = pb.environment();
                env.put("RANK", Integer.toString(rank));
                env.put("WORLD_SIZE", Integer.toString(topology.worldSize()));
                env.put("LOCAL_RANK", Integer.toString(local));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(topology.nprocPerNode()));
                env.put("GROUP_RANK", Integer.toString(topology.nodeRank()));
                env.put("MASTER_ADDR", topology.masterAddr());
                env.put("MASTER_PORT", Integer.toString(topology.masterPort()));
                if (rank == 0) {
                    pb.inheritIO();
                } else {
                    pb.redirectErrorStream(true);
                }
                Process p = pb.start();
                procs.add(p);
                if (rank != 0) {
                    pump(p, "[rank " + rank + "] ");
                }
                out.println("lcl train: started worker rank " + rank + " (local " + local + ", pid " + p.pid() + ") of "
                        + topology.worldSize() + ", master " + topology.masterAddr() + ":" + topology.masterPort());
                p.onExit().thenAccept(x -> exits.add(new Exit(rank, x.pid(), x.exitValue())));
            }
            int finished = 0;
            while (finished < procs.size()) {
                Exit e = exits.take();
                finished++;
                if (e.code() != 0) {
                    out.println("lcl train: worker rank " + e.rank() + " (pid " + e.pid() + ") " + cause(e.code())
                            + "; stopping the other workers (SIGKILL after " + grace.toSeconds() + " s)");
                    stopAll(procs);
                    return e.code() > 0 && e.code() < 256 ? e.code() : 1;
                }
            }
            out.println("lcl train: all " + procs.size() + " workers finished");
            return 0;
        } catch (IOException e) {
            stopAll(procs);
            throw new UncheckedIOException("cannot start a worker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            stopAll(procs);
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killChildren);
            } catch (IllegalStateException shuttingDown) {
                // The hooks are running already.
            }
        }
    }

    /** SIGTERM to the live workers, SIGKILL to those still alive after the grace time. */
    private void stopAll(List<Process> procs) {
        procs.stream().filter(Process::isAlive).forEach(Process::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Process p : procs) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                    out.println("lcl train: killed worker pid " + p.pid() + " (still running after the grace time)");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What an exit status means: a code, or (status > 128 on POSIX) the signal that killed it. */
    static String cause(int code) {
        if (code > 128 && code < 160) {
            int sig = code - 128;
            String name = switch (sig) {
                case 2 -> "SIGINT";
                case 6 -> "SIGABRT";
                case 9 -> "SIGKILL";
                case 11 -> "SIGSEGV";
                case 15 -> "SIGTERM";
                default -> "signal";
            };
            return "was killed by signal " + sig + " (" + name + ")";
        }
        return "exited with status " + code;
    }

    private void pump(Process p, String prefix) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.println(prefix + line);
                }
            } catch (IOException e) {
                // The worker's output ended with it.
            }
        }, "worker output " + prefix.trim());
        t.setDaemon(true);
        t.start();
    }

    /** The worker arguments: the launcher's own, minus the flags that only the launcher reads (both --flag V and --flag=V forms). */
    static List<String> workerArgs(List<String> args, List<String> launcherFlags) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (launcherFlags.contains(flag)) {
                if (!a.contains("=")) {
                    i++;
                }
                continue;
            }
            out.add(a);
        }
        return out;
    }
}
