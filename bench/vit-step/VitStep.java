import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static bench.BenchSupport.*;

import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.config.VisionConfig;
import org.lcl.models.model.VisionTransformers;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.NativeLibrary;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * The Java side and the driver of {@code scripts/bench vit-step}: one training step (forward,
 * loss = output.sum(), backward, every gradient set to none) of OpenCLIP's ViT-B/32 vision tower,
 * batch 8 × 3 × 224 × 224, float32, CPU, through the DSL model (VisionTransformers.spec of
 * configs/ViT-B-32.json's vision_cfg with the projection to embed_dim) against reference.cpp, the
 * same model written directly against libtorch's C++ API (same libtorch, same ops), in one run.
 *
 * <p>Both sides: the same torch thread count, seed 0 and parameter creation order (so identical
 * weights and input: the first step's loss must match), {@code --warmup} steps, then {@code
 * --rounds} interleaved rounds of {@code --iterations} timed steps per side, the side going first
 * alternating from round to round (by default one step per side per round: each step has a
 * neighbour of the other side taken at the same speed of the machine). Reports the median ms per
 * step of each side over all its timed steps, the ratio ours / reference, the median of the
 * per-round ratios, the same by process CPU time, and each process's peak RSS (VmHWM of
 * /proc/self/status at the end). Last line: {@code vit-step: ours=<ms> reference=<ms> ratio=<r>}.
 *
 * <p>Usage: {@code VitStep --reference PATH [--config configs/ViT-B-32.json] [--threads 1] [--warmup 3]
 * [--rounds 15] [--iterations 1] [--clock wall|cpu] [--check]}
 */
public final class VitStep {

    // Keep in sync with reference.cpp.
    static final long BATCH = 8;
    static final double TARGET = 1.03;

    /** Wall-clock and process CPU ns of each step, and the first step's loss. */
    record Steps(double firstLoss, long[] wall, long[] cpu) implements StepTimes {}

    // ---- the Java side ------------------------------------------------------------------------

    static Steps javaSteps(Module model, List<Tensor> params, Tensor images, int n) {
        long[] wall = new long[n], cpu = new long[n];
        double firstLoss = 0;
        for (int i = 0; i < n; i++) {
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                Tensor loss = model.forward(images).sum();
                loss.backward();
                if (i == 0) {
                    firstLoss = loss.item();
                }
                for (Tensor p : params) {
                    p.setGrad(null);
                }
            }
            long t1 = System.nanoTime();
            wall[i] = t1 - t0;
            cpu[i] = processCpuNanos() - c0;
        }
        return new Steps(firstLoss, wall, cpu);
    }

    // ---- the C++ side -------------------------------------------------------------------------

    /** reference.cpp, a child process driven over its stdin and stdout. */
    static final class Reference implements AutoCloseable {
        final Process process;
        final PrintWriter in;
        final BufferedReader out;
        final String version;
        final int threads;
        final long params;

        Reference(String path, int threads) throws IOException {
            process = new ProcessBuilder(path, Integer.toString(threads)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            String banner = readLine();
            String[] f = banner.split(" ");
            if (f.length != 4 || !f[0].equals("ready")) {
                throw new IOException("reference: unexpected first line: " + banner);
            }
            version = f[1];
            this.threads = Integer.parseInt(f[2].substring("threads=".length()));
            params = Long.parseLong(f[3].substring("params=".length()));
        }

        String readLine() throws IOException {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("reference process ended unexpectedly");
            }
            return line;
        }

        Steps steps(int n) throws IOException {
            in.println("step " + n);
            String[] f = readLine().trim().split(" ");
            if (f.length != 1 + 2 * n) {
                throw new IOException("reference: expected " + (1 + 2 * n) + " numbers, got " + String.join(" ", f));
            }
            long[] wall = new long[n], cpu = new long[n];
            for (int i = 0; i < n; i++) {
                wall[i] = Long.parseLong(f[1 + 2 * i]);
                cpu[i] = Long.parseLong(f[2 + 2 * i]);
            }
            return new Steps(Double.parseDouble(f[0]), wall, cpu);
        }

        /** {VmHWM, VmRSS} in kB. */
        long[] rss() throws IOException {
            in.println("rss");
            String[] f = readLine().trim().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        }

        @Override
        public void close() throws InterruptedException {
            in.println("quit");
            process.waitFor();
        }
    }

    // ---- the driver ---------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        String reference = null;
        Path config = null;
        int threads = 1, warmup = 3, rounds = 15, iterations = 1;
        boolean cpuClock = false, check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reference" -> reference = args[++i];
                case "--config" -> config = Path.of(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--check" -> check = true;
                case "--clock" -> {
                    String clock = args[++i];
                    if (!clock.equals("wall") && !clock.equals("cpu")) {
                        throw new IllegalArgumentException("--clock is wall or cpu, got " + clock);
                    }
                    cpuClock = clock.equals("cpu");
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--reference PATH --config FILE"
                        + " --threads N --warmup N --rounds N --iterations N --clock wall|cpu --check)");
            }
        }
        if (reference == null) {
            throw new IllegalArgumentException("--reference PATH of the compiled reference.cpp is required");
        }
        if (threads < 1 || warmup < 1 || rounds < 1 || iterations < 1) {
            throw new IllegalArgumentException("--threads, --warmup, --rounds and --iterations must be >= 1");
        }
        ModelConfig cfg = config != null ? ModelConfigs.load(config) : ModelConfigs.resolve("ViT-B-32");
        VisionConfig v = cfg.visionCfg();

        NativeLibrary.ensureLoaded();
        Torch.setNumThreads(threads);
        // Seed, then the parameters in the DSL's order, then the input: as reference.cpp does.
        Torch.manualSeed(0);
        Spec spec = VisionTransformers.spec(v, cfg.embedDim(), true, cfg.quickGelu());
        Module model = spec.compile(Shape.of(BATCH, 3, v.imageSize(), v.imageSize()), Device.CPU, DType.FLOAT32);
        List<Tensor> params = model.parameters();
        Tensor images = Torch.randn(BATCH, 3, v.imageSize(), v.imageSize());   // outside any scope: ours

        Steps[] refRounds = new Steps[rounds], ourRounds = new Steps[rounds];
        Steps refWarm, ourWarm;
        long[] refRss;
        try (Reference ref = new Reference(reference, threads)) {
            System.out.printf("vit-step: OpenCLIP ViT-B/32 vision tower (image %d, patch %d, width %d, %d layers, %d heads, mlp %d,"
                            + " %s, proj %d -> %d; %,d parameters), batch %d, float32, CPU; step = forward, sum, backward,"
                            + " grads set to none%n", v.imageSize(), v.patchSize(), v.width(), v.layers(), v.heads(), v.mlpWidth(),
                    cfg.quickGelu() ? "QuickGELU" : "exact GELU", v.width(), cfg.embedDim(), model.parameterCount(), BATCH);
            System.out.printf("libtorch %s (reference: %s), torch threads %d (reference: %d), JDK %s%n", Torch.version(),
                    ref.version, Torch.getNumThreads(), ref.threads, Runtime.version());
            System.out.printf("cpu: %s, %d cores, load average %s%n", cpuModel(), Runtime.getRuntime().availableProcessors(),
                    loadAverage());
            System.out.printf("env (both sides): OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s MKL_NUM_THREADS=%s GLIBC_TUNABLES=%s%n",
                    env("OMP_NUM_THREADS"), env("OPENBLAS_NUM_THREADS"), env("MKL_NUM_THREADS"), env("GLIBC_TUNABLES"));
            if (ref.params != model.parameterCount()) {
                throw new IllegalStateException("parameter counts differ: ours " + model.parameterCount() + ", reference " + ref.params);
            }

            System.err.printf("vit-step: warm-up, %d steps per side...%n", warmup);
            refWarm = ref.steps(warmup);
            ourWarm = javaSteps(model, params, images, warmup);
            for (int r = 0; r < rounds; r++) {
                System.err.printf("vit-step: round %d of %d...%n", r + 1, rounds);
                // Alternate which side goes first, so that a drift in the machine's load hits both.
                if (r % 2 == 0) {
                    refRounds[r] = ref.steps(iterations);
                    ourRounds[r] = javaSteps(model, params, images, iterations);
                } else {
                    ourRounds[r] = javaSteps(model, params, images, iterations);
                    refRounds[r] = ref.steps(iterations);
                }
            }
            refRss = ref.rss();
        }
        long ourHwm = statusKb("VmHWM:"), ourRss = statusKb("VmRSS:");

        // Same weights and input on both sides: the first step's losses agree (up to summation order).
        double lossDiff = Math.abs(ourWarm.firstLoss() - refWarm.firstLoss())
                / Math.max(1e-12, Math.max(Math.abs(ourWarm.firstLoss()), Math.abs(refWarm.firstLoss())));
        boolean lossOk = lossDiff <= 1e-4;
        System.out.printf("first-step loss: ours %.9g, reference %.9g (relative difference %.1e: %s)%n", ourWarm.firstLoss(),
                refWarm.firstLoss(), lossDiff, lossOk ? "same model" : "DIFFERENT MODELS");
        System.out.printf("warm-up ms per step: reference %s; ours %s%n", ms(refWarm.wall()), ms(ourWarm.wall()));

        System.out.println();
        printRounds(refRounds, ourRounds, "reference (C++)", "ours (Java DSL)");

        double refWall = median(allSteps(refRounds, false)) / 1e6, ourWall = median(allSteps(ourRounds, false)) / 1e6;
        double refCpu = median(allSteps(refRounds, true)) / 1e6, ourCpu = median(allSteps(ourRounds, true)) / 1e6;
        double[] pairedWall = pairedRatios(ourRounds, refRounds, false), pairedCpu = pairedRatios(ourRounds, refRounds, true);
        double ref = cpuClock ? refCpu : refWall, ours = cpuClock ? ourCpu : ourWall, ratio = ours / ref;
        boolean met = ratio <= TARGET;

        System.out.println();
        System.out.printf("%-18s %14s %14s %16s %16s%n", "", "wall ms/step", "cpu ms/step", "peak RSS (MiB)", "RSS at end (MiB)");
        System.out.printf("%-18s %14.1f %14.1f %16.0f %16.0f%n", "reference (C++)", refWall, refCpu, refRss[0] / 1024.0,
                refRss[1] / 1024.0);
        System.out.printf("%-18s %14.1f %14.1f %16.0f %16.0f%n", "ours (Java DSL)", ourWall, ourCpu, ourHwm / 1024.0,
                ourRss / 1024.0);
        System.out.printf("%-18s %14.3f %14.3f %16.3f %16s%n", "ratio ours/ref", ourWall / refWall, ourCpu / refCpu,
                (double) ourHwm / refRss[0], "");
        System.out.printf("%-18s %14.3f %14.3f%n", "paired ratio", median(pairedWall), median(pairedCpu));
        System.out.printf("(medians over %d rounds x %d steps per side after %d warm-up steps; paired = median of the per-round"
                        + " ratios of medians; target: %s ratio <= %.2f: %s)%n", rounds, iterations, warmup,
                cpuClock ? "cpu" : "wall", TARGET, met ? "met" : "MISSED");
        System.out.printf("vit-step: ours=%.1f reference=%.1f ratio=%.3f%n", ours, ref, ratio);
        model.close();
        images.close();
        if (!lossOk || (check && !met)) {
            System.exit(1);
        }
    }
}
