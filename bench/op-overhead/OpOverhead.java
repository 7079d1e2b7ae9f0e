import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static bench.BenchSupport.*;

import org.lcl.torch.Functional;
import org.lcl.torch.NativeLibrary;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * The Java side and the driver of {@code scripts/bench op-overhead}: times the same op sequences
 * through the Java tensor layer and through reference.cpp (ATen directly, same libtorch), in one
 * run, with interleaved rounds, and prints ns per iteration, the ratio ours / reference, and a last
 * line {@code op-overhead: ours=<ns> reference=<ns> ratio=<r>} for case (a).
 *
 * <p>Cases: (a) add of two 1-element tensors; (b) 64x64 linear + gelu, sum, backward; (c) one
 * pre-LN transformer block (width 128, 4 heads, seq 64, batch 8), sum, backward. Every iteration
 * runs in its own {@link Scope}, which frees its results, as the C++ side frees its at::Tensors.
 *
 * <p>The C++ side is reference.cpp compiled into a shared library; this driver loads it and runs a
 * round of its loop through one downcall on the thread that runs the Java rounds, so both sides
 * share the process, the thread, malloc's arena and libtorch's state.
 *
 * <p>Usage: {@code OpOverhead --reference LIBRARY [--seconds 0.0005] [--budget 10] [--rounds N]
 * [--warmup 2] [--threads 1] [--clock cpu|wall] [--cases add,linear,block] [--verbose] [--check]}
 *
 * <p>Rounds are short (~0.5 ms per side by default) and alternate sides, so that each round of
 * one side has a neighbour of the other taken at the same speed of the machine; the ratio is the
 * median of the per-round ratios, with a distribution-free 95% interval. (A 2-vCPU virtual
 * machine's speed jumps between levels up to 2x apart, which makes each side's times bimodal, so
 * the ratio of the two sides' medians moves by a few percent from run to run; it is printed too.)
 *
 * <p>The clock: by default the CPU time of the process (clock_gettime CLOCK_PROCESS_CPUTIME_ID, all
 * threads: the JVM's GC and JIT threads count for the side whose round they run in). With one
 * torch thread it equals the wall-clock time on an idle machine, and it does not count the time
 * the process waits for a core while other programs run, the largest noise on a shared machine.
 * Both clocks are measured every round; the table shows the other clock's ratio too.
 *
 * <p>scripts/bench starts this JVM with -XX:+AlwaysPreTouch: without it, the young generation's
 * first pass over fresh heap pages page-faults on the Java side only, a start-up cost that stops
 * once every page has been touched. Page faults per 1000 iterations are printed per side.
 */
public final class OpOverhead {

    // Shapes: keep in sync with reference.cpp.
    static final long LIN = 64;
    static final long B = 8, T = 64, C = 128, H = 4;

    static Tensor addA, addB;
    static Linear linear, linearSmall;
    static Block block, blockSmall;

    /** (b)'s tensors: x [n, n], a linear layer n -> n. */
    record Linear(Tensor x, Tensor w, Tensor b) {
        static Linear create(long n) {
            return new Linear(Torch.randn(n, n), param(n, n), param(n));
        }
    }

    /** (c)'s tensors: input [b, t, c] and the parameters of a pre-LN block of width c with h heads. */
    record Block(long b, long t, long c, long h, long[] width, Tensor x, Tensor ln1w, Tensor ln1b, Tensor inW, Tensor inB,
                 Tensor outW, Tensor outB, Tensor ln2w, Tensor ln2b, Tensor fcW, Tensor fcB, Tensor projW, Tensor projB) {
        static Block create(long b, long t, long c, long h) {
            Tensor x = Torch.randn(b, t, c).requiresGrad_();
            return new Block(b, t, c, h, new long[] {c}, x, param(c), param(c), param(3 * c, c), param(3 * c), param(c, c),
                    param(c), param(c), param(c), param(4 * c, c), param(4 * c), param(c, 4 * c), param(c));
        }
    }

    // ---- the Java side: one method per case so that each loop is compiled on its own --------

    static void addLoop(long n) {
        Tensor a = addA, b = addB;
        for (long i = 0; i < n; i++) {
            try (Scope s = Scope.open()) {
                a.add(b);
            }
        }
    }

    static void linearLoop(Linear p, long n) {
        for (long i = 0; i < n; i++) {
            try (Scope s = Scope.open()) {
                Tensor y = Functional.linear(p.x(), p.w(), p.b());
                Tensor z = y.gelu();
                Tensor loss = z.sum();
                loss.backward();
            }
        }
    }

    static void blockLoop(Block p, long n) {
        long b = p.b(), t = p.t(), c = p.c(), h = p.h(), d = c / h;
        for (long i = 0; i < n; i++) {
            try (Scope s = Scope.open()) {
                Tensor x = p.x();
                Tensor ln1 = Functional.layerNorm(x, p.width(), p.ln1w(), p.ln1b(), 1e-5);
                Tensor qkv = Functional.linear(ln1, p.inW(), p.inB());
                List<Tensor> parts = qkv.chunk(3, -1);
                Tensor q = parts.get(0).reshape(b, t, h, d).transpose(1, 2);
                Tensor k = parts.get(1).reshape(b, t, h, d).transpose(1, 2);
                Tensor v = parts.get(2).reshape(b, t, h, d).transpose(1, 2);
                Tensor a = Functional.scaledDotProductAttention(q, k, v, null, false);
                Tensor o = a.transpose(1, 2).reshape(b, t, c);
                Tensor proj = Functional.linear(o, p.outW(), p.outB());
                Tensor x1 = x.add(proj);
                Tensor ln2 = Functional.layerNorm(x1, p.width(), p.ln2w(), p.ln2b(), 1e-5);
                Tensor f = Functional.linear(ln2, p.fcW(), p.fcB()).gelu();
                Tensor f2 = Functional.linear(f, p.projW(), p.projB());
                Tensor x2 = x1.add(f2);
                x2.sum().backward();
            }
        }
    }

    static Tensor param(long... shape) {
        return Torch.randn(shape).requiresGrad_();
    }

    /** Outside any scope: caller-owned, and shared with the reference (see inputs()). */
    static void createTensors() {
        Torch.manualSeed(0);
        addA = Torch.randn(1);
        addB = Torch.randn(1);
        linear = Linear.create(LIN);
        block = Block.create(B, T, C, H);
        // Tiny copies for warming up the JIT (the Java side only; after the reference's tensors).
        linearSmall = Linear.create(4);
        blockSmall = Block.create(1, 4, 8, 2);
    }

    /** The tensors both sides compute on, in the order reference.cpp's lcl_ref_init takes them. */
    static Tensor[] inputs() {
        Block p = block;
        return new Tensor[] {addA, addB, linear.x(), linear.w(), linear.b(), p.x(), p.ln1w(), p.ln1b(), p.inW(), p.inB(),
            p.outW(), p.outB(), p.ln2w(), p.ln2b(), p.fcW(), p.fcB(), p.projW(), p.projB()};
    }

    // ---- the driver -------------------------------------------------------------------------

    enum Case {
        ADD("add", "(a) add, 1-element tensors", 1.10, 20_000, 200_000),
        LINEAR("linear", "(b) 64x64 linear+gelu, fwd+bwd", 1.02, 100, 10_000),
        BLOCK("block", "(c) pre-LN block, fwd+bwd", 1.02, 2, 3_000);

        final String id, label;
        final double target;
        /** Iterations per warm-up chunk on the real shapes (both sides, alternating). */
        final long warmupChunk;
        /** Iterations of the Java loop on tiny shapes first, so that C2 compiles it (thousands of calls per op). */
        final long jitWarmup;

        Case(String id, String label, double target, long warmupChunk, long jitWarmup) {
            this.id = id;
            this.label = label;
            this.target = target;
            this.warmupChunk = warmupChunk;
            this.jitWarmup = jitWarmup;
        }

        void warmUpJit() {
            switch (this) {
                case ADD -> addLoop(jitWarmup);
                case LINEAR -> linearLoop(linearSmall, jitWarmup);
                case BLOCK -> blockLoop(blockSmall, jitWarmup);
            }
        }

        Timing runJava(long n) {
            Clocks start = Clocks.now();
            switch (this) {
                case ADD -> addLoop(n);
                case LINEAR -> linearLoop(linear, n);
                case BLOCK -> blockLoop(block, n);
            }
            return start.elapsed();
        }
    }

    /** The clocks read at the start of a round: wall, process CPU, thread CPU, minor page faults. */
    record Clocks(long wall, long cpu, long threadCpu, long faults) {
        static Clocks now() {
            long f = minorFaults();
            long c = processCpuNanos();
            long h = threadCpuNanos();
            return new Clocks(System.nanoTime(), c, h, f);
        }

        Timing elapsed() {
            long t = System.nanoTime();
            long h = threadCpuNanos();
            long c = processCpuNanos();
            return new Timing(t - wall, c - cpu, minorFaults() - faults, h - threadCpu);
        }
    }

    /**
     * Elapsed wall-clock time and CPU time of the whole process (all its threads) in ns; minor page
     * faults; CPU time of the thread running the ops (diagnostic: the rest is GC, JIT, ...).
     */
    record Timing(long wall, long cpu, long faults, long threadCpu) {
    }

    /**
     * The C++ reference: reference.cpp compiled into a shared library and loaded into this process.
     * One downcall runs a whole round of its loop on the calling thread, the thread that runs the
     * Java side's rounds, so both sides share the process, the thread, malloc's arena and
     * libtorch's state.
     */
    static final class Reference {
        private final MethodHandle run, error;
        final String banner;

        Reference(String path, int threads, Tensor[] tensors) {
            SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(path), Arena.global());
            Linker linker = Linker.nativeLinker();
            MethodHandle init = linker.downcallHandle(lib.find("lcl_ref_init").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            run = linker.downcallHandle(lib.find("lcl_ref_run").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            error = linker.downcallHandle(lib.find("lcl_ref_error").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment text = Arena.global().allocate(256);
            MemorySegment handles = Arena.global().allocate(ValueLayout.ADDRESS, tensors.length);
            for (int i = 0; i < tensors.length; i++) {
                handles.setAtIndex(ValueLayout.ADDRESS, i, tensors[i].nativeHandle());
            }
            try {
                check((int) init.invokeExact(threads, handles, tensors.length, text, 256), "lcl_ref_init");
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new AssertionError(e);
            }
            banner = text.getString(0);
        }

        Timing run(Case c, long n) {
            Clocks start = Clocks.now();
            try {
                check((int) run.invokeExact(c.ordinal(), n), "lcl_ref_run " + c.id);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new AssertionError(e);
            }
            return start.elapsed();
        }

        private void check(int rc, String what) throws Throwable {
            if (rc != 0) {
                MemorySegment message = ((MemorySegment) error.invokeExact()).reinterpret(4096);
                throw new IllegalStateException("reference " + what + " failed: " + message.getString(0));
            }
        }
    }

    /** Per-round ns per iteration of both sides, by wall clock and by process CPU time. */
    record Result(Case c, long iterations, double[] oursWall, double[] refWall, double[] oursCpu, double[] refCpu) {
        double[] ours(boolean cpu) { return cpu ? oursCpu : oursWall; }
        double[] ref(boolean cpu) { return cpu ? refCpu : refWall; }
        double oursMedian(boolean cpu) { return median(ours(cpu)); }
        double refMedian(boolean cpu) { return median(ref(cpu)); }
        double ratio(boolean cpu) { return oursMedian(cpu) / refMedian(cpu); }

        /** The per-round ratios ours / reference, sorted. */
        double[] pairedRatios(boolean cpu) {
            double[] o = ours(cpu), r = ref(cpu), q = new double[o.length];
            for (int i = 0; i < q.length; i++) {
                q[i] = o[i] / r[i];
            }
            Arrays.sort(q);
            return q;
        }

        double pairedRatio(boolean cpu) {
            return median(pairedRatios(cpu));
        }

        /**
         * A distribution-free 95% confidence interval of the median per-round ratio: the order
         * statistics k and n+1-k, k the largest with P(Binomial(n, 1/2) < k) <= 2.5%.
         */
        double[] pairedInterval(boolean cpu) {
            double[] q = pairedRatios(cpu);
            int n = q.length, k = 0;
            // P(X = j) for X ~ Binomial(n, 1/2), in logs: 0.5^n underflows for n > 1074.
            double logP = n * Math.log(0.5), tail = 0;
            while (k < n / 2 && tail + Math.exp(logP) <= 0.025) {
                tail += Math.exp(logP);
                k++;
                logP += Math.log((double) (n - k + 1) / k);
            }
            if (k == 0) {
                return new double[] {q[0], q[n - 1]};
            }
            return new double[] {q[k - 1], q[n - k]};
        }

        /** Spread of one side's rounds: (max - min) / median, in percent. */
        static double spread(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            return 100 * (s[s.length - 1] - s[0]) / median(v);
        }
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        String reference = null;
        int rounds = 0, threads = 1;
        double seconds = 0.0005, budget = 10, warmup = 2.0;
        boolean verbose = false, check = false, cpu = true;
        List<Case> cases = new ArrayList<>(List.of(Case.values()));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reference" -> reference = args[++i];
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--budget" -> budget = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--verbose" -> verbose = true;
                case "--check" -> check = true;
                case "--clock" -> {
                    String clock = args[++i];
                    if (!clock.equals("wall") && !clock.equals("cpu")) {
                        throw new IllegalArgumentException("--clock is wall or cpu, got " + clock);
                    }
                    cpu = clock.equals("cpu");
                }
                case "--cases" -> {
                    cases.clear();
                    for (String id : args[++i].split(",")) {
                        cases.add(Arrays.stream(Case.values()).filter(c -> c.id.equals(id)).findFirst()
                                .orElseThrow(() -> new IllegalArgumentException("unknown case " + id + " (add, linear, block)")));
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--rounds N --seconds S --budget S --warmup S --threads N --clock cpu|wall --cases add,linear,block"
                        + " --verbose --check)");
            }
        }
        if (reference == null) {
            throw new IllegalArgumentException("--reference PATH of the reference.cpp library is required");
        }
        if (rounds < 0 || seconds <= 0 || budget <= 0) {
            throw new IllegalArgumentException("--rounds must be >= 1, --seconds and --budget > 0");
        }

        NativeLibrary.ensureLoaded();
        Torch.setNumThreads(threads);
        createTensors();
        Reference ref = new Reference(reference, threads, inputs());

        System.out.printf("op-overhead: libtorch %s (reference: %s), torch threads %d on both sides, JDK %s, GC %s, JVM options: %s%n",
                Torch.version(), ref.banner, Torch.getNumThreads(), Runtime.version(), garbageCollectors(), jvmOptions());
        System.out.printf("cpu: %s, %d cores, load average %s; interleaved rounds of ~%.4f s per side (%s) after %.1f s warm-up per side%n",
                cpuModel(), Runtime.getRuntime().availableProcessors(), loadAverage(), seconds,
                rounds > 0 ? rounds + " rounds" : "~" + budget + " s of rounds per case", warmup);
        System.out.printf("env: OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s MKL_NUM_THREADS=%s GLIBC_TUNABLES=%s%n",
                env("OMP_NUM_THREADS"), env("OPENBLAS_NUM_THREADS"), env("MKL_NUM_THREADS"), env("GLIBC_TUNABLES"));
        List<Result> results = new ArrayList<>();
        for (Case c : cases) {
            results.add(measure(c, ref, rounds, seconds, budget, warmup, verbose));
        }

        boolean other = !cpu;
        System.out.println();
        System.out.printf("%-32s %13s %13s %7s %15s %9s %10s %7s %s%n", "case", "reference ns", "ours ns", "ratio", "95% interval",
                "of medians", other ? "cpu ratio" : "wall ratio", "target", "");
        boolean allMet = true;
        for (Result r : results) {
            boolean met = r.pairedRatio(cpu) <= r.c().target;
            allMet &= met;
            double[] ci = r.pairedInterval(cpu);
            System.out.printf("%-32s %13.0f %13.0f %7.3f %15s %9.3f %10.3f %7s %s%n", r.c().label, r.refMedian(cpu),
                    r.oursMedian(cpu), r.pairedRatio(cpu), String.format("%.3f-%.3f", ci[0], ci[1]), r.ratio(cpu),
                    r.pairedRatio(other), "<=" + String.format("%.2f", r.c().target), met ? "ok" : "MISSED");
        }
        System.out.printf("(ns per iteration by %s: median of each side's rounds; ratio: median of the per-round ratios ours / reference,"
                + " with its distribution-free 95%% interval; of medians: ours ns / reference ns; %s: the ratio by %s)%n",
                cpu ? "process CPU time" : "wall clock", other ? "cpu ratio" : "wall ratio", other ? "process CPU time" : "wall clock");
        Result add = results.stream().filter(r -> r.c() == Case.ADD).findFirst().orElse(null);
        if (add != null) {
            System.out.printf("op-overhead: ours=%.0f reference=%.0f ratio=%.3f%n", add.oursMedian(cpu), add.refMedian(cpu),
                    add.pairedRatio(cpu));
        }
        if (check && !allMet) {
            System.exit(1);
        }
    }

    /** The -X and -XX options this JVM was started with (collector, heap, pre-touch), or "none". */
    static String jvmOptions() {
        List<String> options = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X")).toList();
        return options.isEmpty() ? "none" : String.join(" ", options);
    }

    /** The collectors of this JVM, e.g. "G1 Young Generation, G1 Concurrent GC, G1 Old Generation". */
    static String garbageCollectors() {
        return String.join(", ", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
    }

    static Result measure(Case c, Reference ref, int fixedRounds, double seconds, double budget, double warmup, boolean verbose) {
        // Warm-up. First the JIT: C2 compiles a method after thousands of calls, far more iterations
        // of (b) and (c) than a warm-up on their real shapes could afford, and until then the Java
        // side runs interpreted or in C1's profiling code, up to ~10% slower on (b). The same
        // loop on tiny tensors runs the same Java code with the same profile in a fraction of the
        // time. Then both sides in alternating chunks on the real shapes, for at least `warmup`
        // seconds each: libtorch's caches and allocator reach their steady state.
        long j0 = System.nanoTime();
        c.warmUpJit();
        double jitSeconds = (System.nanoTime() - j0) / 1e9;
        long warmNanos = (long) (warmup * 1e9);
        long javaNanos = 0, refNanos = 0, javaIters = 0, refIters = 0;
        long chunk = c.warmupChunk;
        long minIters = 5 * chunk;
        while (javaNanos < warmNanos || javaIters < minIters || refNanos < warmNanos || refIters < minIters) {
            if (javaNanos < warmNanos || javaIters < minIters) {
                javaNanos += c.runJava(chunk).wall();
                javaIters += chunk;
            }
            if (refNanos < warmNanos || refIters < minIters) {
                refNanos += ref.run(c, chunk).wall();
                refIters += chunk;
            }
        }
        // Iterations per round: the slower side takes about `seconds` (at least 1 iteration). Short
        // rounds, each next to its pair, see the same speed of the machine: a virtual CPU's speed
        // here changes by up to 2x from one tenth of a second to the next. The number of rounds
        // fills `budget` seconds (both sides), odd, between 51 and 20001, unless --rounds fixes it.
        double perIter = Math.max((double) javaNanos / javaIters, (double) refNanos / refIters);
        long n = Math.max(1, (long) (seconds * 1e9 / perIter));
        int rounds = fixedRounds > 0 ? fixedRounds
                : (int) Math.clamp(budget * 1e9 / (2 * n * perIter), 51, 20001) | 1;

        double[] oursWall = new double[rounds], refWall = new double[rounds];
        double[] oursCpu = new double[rounds], refCpu = new double[rounds];
        long oursFaults = 0, refFaults = 0;
        for (int r = 0; r < rounds; r++) {
            // Alternate which side goes first, so that a drift in the machine's speed hits both.
            Timing o, f;
            if (r % 2 == 0) {
                f = ref.run(c, n);
                o = c.runJava(n);
            } else {
                o = c.runJava(n);
                f = ref.run(c, n);
            }
            oursWall[r] = (double) o.wall() / n;
            oursCpu[r] = (double) o.cpu() / n;
            refWall[r] = (double) f.wall() / n;
            refCpu[r] = (double) f.cpu() / n;
            oursFaults += o.faults();
            refFaults += f.faults();
            if (verbose) {
                System.out.printf("  %-6s round %3d: wall ref %10.0f ours %10.0f ratio %.3f | cpu ref %10.0f ours %10.0f ratio %.3f"
                                + " | op thread cpu ref %10.0f ours %10.0f | faults/iter ref %.1f ours %.1f%n", c.id, r + 1,
                        refWall[r], oursWall[r], oursWall[r] / refWall[r], refCpu[r], oursCpu[r], oursCpu[r] / refCpu[r],
                        (double) f.threadCpu() / n, (double) o.threadCpu() / n, (double) f.faults() / n, (double) o.faults() / n);
            }
        }
        System.out.printf("%-32s %d rounds x %d iterations (warm-up: JIT %.1f s, then %d + %d iterations);"
                        + " spread (max-min)/median, wall: reference %.0f%%, ours %.0f%%; cpu: reference %.0f%%, ours %.0f%%;"
                        + " page faults per 1000 iterations: reference %.2f, ours %.2f%n",
                c.label, rounds, n, jitSeconds, refIters, javaIters, Result.spread(refWall), Result.spread(oursWall),
                Result.spread(refCpu), Result.spread(oursCpu), 1000.0 * refFaults / ((double) rounds * n),
                1000.0 * oursFaults / ((double) rounds * n));
        return new Result(c, n, oursWall, refWall, oursCpu, refCpu);
    }
}
