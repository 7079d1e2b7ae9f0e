package bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What the benchmark harnesses share: medians, process CPU time, /proc figures, machine description. */
public final class BenchSupport {

    private BenchSupport() {
    }

    public static String ms(long[] ns) {
        StringBuilder b = new StringBuilder();
        for (long t : ns) {
            b.append(b.isEmpty() ? "" : " ").append(String.format("%.0f", t / 1e6));
        }
        return b.toString();
    }

    public static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** One side's per-step times of one round, ns. */
    public interface StepTimes {
        long[] wall();

        long[] cpu();
    }

    /** Every step's time over all rounds. */
    public static long[] allSteps(StepTimes[] rounds, boolean cpu) {
        return Arrays.stream(rounds).flatMapToLong(s -> Arrays.stream(cpu ? s.cpu() : s.wall())).toArray();
    }

    /** Per round: the median step time of {@code num} over that of {@code den}. */
    public static double[] pairedRatios(StepTimes[] num, StepTimes[] den, boolean cpu) {
        double[] q = new double[num.length];
        for (int r = 0; r < q.length; r++) {
            q[r] = median(cpu ? num[r].cpu() : num[r].wall()) / median(cpu ? den[r].cpu() : den[r].wall());
        }
        return q;
    }

    /** Prints each round's step times of both sides, in the order they ran (the reference first in even rounds). */
    public static void printRounds(StepTimes[] ref, StepTimes[] ours, String refLabel, String ourLabel) {
        int side = Math.max(refLabel.length(), ourLabel.length());
        String row = "%-7s %-" + side + "s %-44s %9s %9s%n";
        System.out.printf(row, "round", "side", "ms per step (wall)", "median", "cpu med");
        for (int r = 0; r < ref.length; r++) {
            for (int k = 0; k < 2; k++) {
                boolean isRef = (k == 0) == (r % 2 == 0);
                StepTimes s = isRef ? ref[r] : ours[r];
                System.out.printf(row, r + 1, isRef ? refLabel : ourLabel, ms(s.wall()), String.format("%.1f", median(s.wall()) / 1e6),
                        String.format("%.1f", median(s.cpu()) / 1e6));
            }
        }
    }

    // clock_gettime(CLOCK_PROCESS_CPUTIME_ID), as the reference processes read it: includes the JVM's own
    // threads (GC, JIT), which are part of what the Java side costs.
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final int CLOCK_THREAD_CPUTIME_ID = 3;
    private static final MemorySegment TIMESPEC = Arena.global().allocate(16, 8);

    // getrusage(RUSAGE_SELF): ru_minflt follows two struct timevals and four longs (Linux x86-64, aarch64).
    private static final MethodHandle GETRUSAGE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getrusage").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MemorySegment RUSAGE = Arena.global().allocate(256, 8);

    /** CPU time of the whole process (all threads), ns. */
    public static long processCpuNanos() {
        return cpuNanos(CLOCK_PROCESS_CPUTIME_ID);
    }

    /** CPU time of the calling thread, ns. */
    public static long threadCpuNanos() {
        return cpuNanos(CLOCK_THREAD_CPUTIME_ID);
    }

    private static long cpuNanos(int clock) {
        try {
            int rc = (int) CLOCK_GETTIME.invokeExact(clock, TIMESPEC);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
        return TIMESPEC.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + TIMESPEC.get(ValueLayout.JAVA_LONG, 8);
    }

    /** Minor page faults of the process so far (getrusage), 0 if unavailable. */
    public static long minorFaults() {
        try {
            int rc = (int) GETRUSAGE.invokeExact(0, RUSAGE);
            return rc == 0 ? RUSAGE.get(ValueLayout.JAVA_LONG, 64) : 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** A "VmHWM:" / "VmRSS:" value of /proc/self/status in kB, or -1. */
    public static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    public static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "(unset)" : v.isEmpty() ? "(empty)" : v;
    }

    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable
        }
        return System.getProperty("os.arch");
    }
}
