import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static bench.BenchSupport.*;

import org.lcl.dsl.optim.ParamGroup;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.BatchTensors;
import org.lcl.models.data.loader.TrainBatch;
import org.lcl.models.data.tokenizer.ClipTokenizer;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.LclModel;
import org.lcl.models.model.Models;
import org.lcl.models.loss.LclLoss;
import org.lcl.models.train.OptimizerDefaults;
import org.lcl.models.train.ParamGroups;
import org.lcl.models.train.Precision;
import org.lcl.models.train.StepReport;
import org.lcl.models.train.LclObjective;
import org.lcl.models.train.TrainConfig;
import org.lcl.models.train.TrainListener;
import org.lcl.models.train.Trainer;
import org.lcl.models.train.data.SyntheticData;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.NativeLibrary;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * The Java side and the driver of {@code scripts/bench train-step}: steps/s of one full LCL
 * training step (forward, contrastive + caption loss, backward, AdamW, logit-scale clamp) of a
 * small LCL config on CPU, float32, through the project's {@link Trainer} (its per-step path:
 * zero grads, forward, loss, backward, optimiser step, clamp) fed by {@link SyntheticData}
 * (OpenCLIP's {@code --dataset-type synthetic}: one fixed batch, interleaved sequences of the
 * paired wrapper), against reference.py: the same model (lcl_reference.LCL with this model's
 * weights) and the same step in PyTorch 1.13 as OpenCLIP runs it, on Debian's python3-torch
 * (same libtorch), as a child process.
 *
 * <p>Both sides: the same weights and batch (written by this side with Torch.save, read with
 * torch.load), the same torch thread count, one warm-up round, then {@code --rounds}
 * interleaved rounds of {@code --iterations} steps per side, the side going first alternating.
 * The losses of the warm-up steps must agree (same model, same loss, same optimiser). Reports
 * steps/s from the median step time of each side, the ratio ours / reference (of steps/s), the
 * median of the per-round ratios, the same by process CPU time, and each process's peak RSS
 * (VmHWM of /proc/self/status: of the whole process, and of the steps alone, VmHWM being reset
 * after the set-up). Last line: {@code train-step: ours=<steps/s>
 * reference=<steps/s> ratio=<r>}.
 *
 * <p>Usage: {@code TrainStep --reference reference.py --config FILE --vocab FILE --work DIR [--python /usr/bin/python3]
 * [--threads 1] [--batch 8] [--rounds 5] [--iterations 5] [--clock wall|cpu] [--check]}
 */
public final class TrainStep {

    static final double TARGET_RATIO = 1.2;
    static final double WEIGHT_DECAY = 0.2;

    /** Loss, wall-clock ns and process CPU ns of each step. */
    record Steps(double[] loss, long[] wall, long[] cpu) implements StepTimes {}

    // ---- the Java side ------------------------------------------------------------------------

    /** The trainer, one epoch of {@code iterations} steps per call, timed by its step metrics. */
    static final class Ours implements TrainListener {
        private final Trainer trainer;
        private final List<double[]> steps = new ArrayList<>();   // {loss, wall ns, cpu ns}
        private long lastCpu;
        private int nextEpoch;

        Ours(TrainConfig cfg, ImageTextModel model, SyntheticData data, Path work) {
            this.trainer = new Trainer(cfg, model, new LclObjective(new LclLoss(cfg.optim().lclContrastiveLossWeight(),
                    cfg.optim().lclGenerationLossWeight())), data, org.lcl.models.train.RunFolder.of(work, "unused"), this);
        }

        Steps run() {
            steps.clear();
            lastCpu = processCpuNanos();
            trainer.trainOneEpoch(nextEpoch++);
            int n = steps.size();
            double[] loss = new double[n];
            long[] wall = new long[n], cpu = new long[n];
            for (int i = 0; i < n; i++) {
                loss[i] = steps.get(i)[0];
                wall[i] = (long) steps.get(i)[1];
                cpu[i] = (long) steps.get(i)[2];
            }
            return new Steps(loss, wall, cpu);
        }

        @Override
        public void onStep(StepReport m) {
            long now = processCpuNanos();
            steps.add(new double[] {m.total(), m.batchSeconds() * 1e9, now - lastCpu});
            lastCpu = now;
            if (!m.stepped()) {
                throw new IllegalStateException("the trainer skipped a step (loss " + m.total() + ")");
            }
        }

        @Override
        public void warning(String message) {
            System.err.println("trainer: " + message);
        }

        AutoCloseable closer() {
            return trainer;
        }
    }

    // ---- the Python side ----------------------------------------------------------------------

    /** reference.py, a child process driven over its stdin and stdout. */
    static final class Reference implements AutoCloseable {
        final Process process;
        final PrintWriter in;
        final BufferedReader out;
        final String version;
        final int threads;
        final long params;
        final String groups;

        Reference(List<String> command) throws IOException {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            String banner = readLine();
            String[] f = banner.split(" ");
            if (f.length != 5 || !f[0].equals("ready")) {
                throw new IOException("reference: unexpected first line: " + banner);
            }
            version = f[1];
            threads = Integer.parseInt(f[2].substring("threads=".length()));
            params = Long.parseLong(f[3].substring("params=".length()));
            groups = f[4].substring("groups=".length());
        }

        String readLine() throws IOException {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("reference process ended unexpectedly (see its error output above)");
            }
            return line;
        }

        Steps steps(int n) throws IOException {
            in.println("step " + n);
            String[] f = readLine().trim().split(" ");
            if (f.length != 3 * n) {
                throw new IOException("reference: expected " + 3 * n + " numbers, got " + String.join(" ", f));
            }
            double[] loss = new double[n];
            long[] wall = new long[n], cpu = new long[n];
            for (int i = 0; i < n; i++) {
                loss[i] = Double.parseDouble(f[3 * i]);
                wall[i] = Long.parseLong(f[3 * i + 1]);
                cpu[i] = Long.parseLong(f[3 * i + 2]);
            }
            return new Steps(loss, wall, cpu);
        }

        /** VmHWM in kB so far; then the reference resets it to its current RSS. */
        long resetPeak() throws IOException {
            in.println("reset-peak");
            return Long.parseLong(readLine().trim());
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

    // ---- the batch ----------------------------------------------------------------------------

    /**
     * Synthetic data of the first seed from {@code seed} whose interleaved rows are half image-first,
     * half text-first (the wrapper draws each row's order with probability 0.5), so that the
     * contrastive loss sees B/2 pairs.
     */
    static SyntheticData halfAndHalf(InterleavedWrapper wrapper, int batch, long numSamples, int imageSize, long seed,
                                     long soiId, long[] chosenSeed) {
        for (long s = seed; s < seed + 1000; s++) {
            SyntheticData d = new SyntheticData(wrapper, batch, numSamples, imageSize, s);
            try (Scope scope = Scope.open(); BatchSource src = d.open(0); TrainBatch b = src.next()) {
                Tensor ids = b.toTensors(Device.CPU).ids();
                long textFirst = ids.eq(soiId).narrow(1, 1, ids.size(1) - 1).sum().itemLong();
                if (textFirst * 2 == batch) {
                    chosenSeed[0] = s;
                    return d;
                }
            }
        }
        throw new IllegalStateException("no seed in [" + seed + ", " + (seed + 1000) + ") gives " + batch / 2 + " text-first rows");
    }

    // ---- the driver ---------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        String reference = null, python = "/usr/bin/python3";
        Path config = null, vocab = null, work = null;
        int threads = 1, batch = 8, rounds = 5, iterations = 5;
        long seed = 0;
        boolean cpuClock = false, check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reference" -> reference = args[++i];
                case "--python" -> python = args[++i];
                case "--config" -> config = Path.of(args[++i]);
                case "--vocab" -> vocab = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--check" -> check = true;
                case "--clock" -> {
                    String clock = args[++i];
                    if (!clock.equals("wall") && !clock.equals("cpu")) {
                        throw new IllegalArgumentException("--clock is wall or cpu, got " + clock);
                    }
                    cpuClock = clock.equals("cpu");
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--reference FILE --python FILE"
                        + " --config FILE --vocab FILE --work DIR --threads N --batch N --rounds N --iterations N --seed N"
                        + " --clock wall|cpu --check)");
            }
        }
        if (reference == null || config == null || vocab == null || work == null) {
            throw new IllegalArgumentException("--reference, --config, --vocab and --work are required");
        }
        if (threads < 1 || batch < 2 || batch % 2 != 0 || rounds < 1 || iterations < 1) {
            throw new IllegalArgumentException("--threads, --rounds and --iterations must be >= 1, --batch even and >= 2");
        }
        Files.createDirectories(work);
        ModelConfig cfg = ModelConfigs.load(config);
        if (!cfg.isLcl()) {
            throw new IllegalArgumentException(config + " is not an LCL config (no pool_project_cfg)");
        }
        String modelName = config.getFileName().toString().replaceFirst("\\.json$", "");
        OptimizerDefaults od = OptimizerDefaults.forModel(modelName);

        NativeLibrary.ensureLoaded();
        Torch.setNumThreads(threads);
        Torch.manualSeed(seed);
        LclModel model = (LclModel) Models.create(cfg, Device.CPU, DType.FLOAT32);
        int ctx = cfg.textCfg().contextLength();
        int numImageTokens = (int) model.numImageTokens();
        int imageSize = cfg.visionCfg().imageSize();
        InterleavedWrapper wrapper = new InterleavedWrapper(ClipTokenizer.load(vocab), ctx, numImageTokens, 0.5);
        long[] dataSeed = new long[1];
        SyntheticData data = halfAndHalf(wrapper, batch, (long) batch * iterations, imageSize, seed,
                model.specialTokens().startOfImage(), dataSeed);

        // The weights and the batch for the reference.
        Path batchFile = work.resolve("batch.pt");
        long numTargets;
        try (Scope s = Scope.open(); BatchSource src = data.open(0); TrainBatch b = src.next()) {
            BatchTensors t = b.toTensors(Device.CPU);
            Map<String, Object> dict = new LinkedHashMap<>();
            dict.put("images", t.images());
            dict.put("ids", t.ids());
            dict.put("state_dict", model.stateDict());
            Torch.save(dict, batchFile);
            numTargets = model.forward(t.images(), t.ids()).labels().size(0);
        }

        TrainConfig tc = new TrainConfig(modelName,
                new TrainConfig.DataOptions("synthetic", null, null, (long) batch * iterations, false, batch, 0, true, ctx,
                        numImageTokens, 0.5, false, null, vocab),
                new TrainConfig.OptimOptions(rounds + 1, od.lr(), od.beta1(), od.beta2(), od.eps(), WEIGHT_DECAY, 0, "const", 0, 0.0,
                        1.0, 1, null, Precision.FP32, false, false, false, 0.1, 1.0, 1),
                new TrainConfig.RunOptions(work, "train-step", 0, false, false, null, null, 1, false),
                Device.CPU, seed);
        Ours ours = new Ours(tc, model, data, work);
        List<ParamGroup> groups = ParamGroups.openClip(model, WEIGHT_DECAY);
        String ourGroups = groups.get(0).params().size() + "," + groups.get(1).params().size();

        List<String> command = List.of(python, reference, "--batch", batchFile.toString(), "--config", config.toString(),
                "--threads", Integer.toString(threads), "--lr", Double.toString(od.lr()), "--beta1", Double.toString(od.beta1()),
                "--beta2", Double.toString(od.beta2()), "--eps", Double.toString(od.eps()), "--wd", Double.toString(WEIGHT_DECAY));
        Steps[] refRounds = new Steps[rounds], ourRounds = new Steps[rounds];
        Steps refWarm, ourWarm;
        long[] refRss;
        long refSetupHwm, ourSetupHwm;
        try (Reference ref = new Reference(command); AutoCloseable closeTrainer = ours.closer()) {
            var v = cfg.visionCfg();
            var tx = cfg.textCfg();
            System.out.printf("train-step: %s (vision %d px, patch %d, width %d, %d layers; decoder width %d, %d layers, %d heads,"
                            + " vocab %d; %,d parameters), batch %d (%d image-first, %d text-first rows: %d contrastive pairs,"
                            + " %d caption targets), context %d, %d image tokens, float32, CPU%n", modelName, imageSize,
                    v.patchSize(), v.width(), v.layers(), tx.width(), tx.layers(), tx.heads(), tx.vocabSize(),
                    model.parameterCount(), batch, batch / 2, batch / 2, batch / 2, numTargets, ctx, numImageTokens);
            System.out.printf("step: zero_grad(set_to_none), forward, loss 0.1 x contrastive + 1.0 x caption, backward, AdamW"
                            + " (lr %s, betas %s/%s, eps %s, wd %s on %s params, 0 on the rest), clamp logit_scale;"
                            + " synthetic data seed %d%n", od.lr(), od.beta1(), od.beta2(), od.eps(), WEIGHT_DECAY,
                    ourGroups.split(",")[1], dataSeed[0]);
            System.out.printf("libtorch %s (reference: python3-torch %s), torch threads %d (reference: %d), JDK %s%n",
                    Torch.version(), ref.version, Torch.getNumThreads(), ref.threads, Runtime.version());
            System.out.printf("cpu: %s, %d cores, load average %s%n", cpuModel(), Runtime.getRuntime().availableProcessors(),
                    loadAverage());
            System.out.printf("env (both sides): OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s MKL_NUM_THREADS=%s%n",
                    env("OMP_NUM_THREADS"), env("OPENBLAS_NUM_THREADS"), env("MKL_NUM_THREADS"));
            if (ref.params != model.parameterCount()) {
                throw new IllegalStateException("parameter counts differ: ours " + model.parameterCount() + ", reference " + ref.params);
            }
            if (!ref.groups.equals(ourGroups)) {
                throw new IllegalStateException("parameter groups differ: ours " + ourGroups + ", reference " + ref.groups);
            }

            // The peak of the set-up (loading libraries, building the model, writing or reading the batch file) apart
            // from the peak of the training steps.
            // The set-up's garbage (the tokenizer, the serialised batch) is collected first, so that G1 can give
            // that heap back before the steps are measured.
            refSetupHwm = ref.resetPeak();
            ourSetupHwm = statusKb("VmHWM:");
            System.gc();
            resetPeak();
            System.err.printf("train-step: warm-up, %d steps per side...%n", iterations);
            refWarm = ref.steps(iterations);
            ourWarm = ours.run();
            for (int r = 0; r < rounds; r++) {
                System.err.printf("train-step: round %d of %d...%n", r + 1, rounds);
                // Alternate which side goes first, so that a drift in the machine's load hits both.
                if (r % 2 == 0) {
                    refRounds[r] = ref.steps(iterations);
                    ourRounds[r] = ours.run();
                } else {
                    ourRounds[r] = ours.run();
                    refRounds[r] = ref.steps(iterations);
                }
            }
            refRss = ref.rss();
        }
        long ourHwm = statusKb("VmHWM:"), ourRss = statusKb("VmRSS:");

        // Same weights, batch, loss and optimiser: the warm-up losses agree step for step (up to fp32 rounding).
        double worst = 0;
        for (int i = 0; i < Math.min(2, iterations); i++) {
            double a = ourWarm.loss()[i], b = refWarm.loss()[i];
            worst = Math.max(worst, Math.abs(a - b) / Math.max(1e-12, Math.max(Math.abs(a), Math.abs(b))));
        }
        boolean lossOk = worst <= 1e-4;
        System.out.printf("warm-up losses: ours %s; reference %s (first two steps agree to %.1e relative: %s)%n",
                losses(ourWarm.loss()), losses(refWarm.loss()), worst, lossOk ? "same model and step" : "DIFFERENT");
        System.out.printf("warm-up ms per step: reference %s; ours %s%n", ms(refWarm.wall()), ms(ourWarm.wall()));

        System.out.println();
        printRounds(refRounds, ourRounds, "reference (torch)", "ours (Trainer)");

        double refWall = median(allSteps(refRounds, false)) / 1e6, ourWall = median(allSteps(ourRounds, false)) / 1e6;
        double refCpu = median(allSteps(refRounds, true)) / 1e6, ourCpu = median(allSteps(ourRounds, true)) / 1e6;
        double[] pairedWall = pairedRatios(refRounds, ourRounds, false), pairedCpu = pairedRatios(refRounds, ourRounds, true);
        double refMs = cpuClock ? refCpu : refWall, ourMs = cpuClock ? ourCpu : ourWall;
        double ourSps = 1000 / ourMs, refSps = 1000 / refMs, ratio = ourSps / refSps;
        long ourPeak = Math.max(ourSetupHwm, ourHwm), refPeak = Math.max(refSetupHwm, refRss[0]);
        boolean timeMet = ratio >= TARGET_RATIO, rssMet = ourPeak <= refPeak, stepsRssMet = ourHwm <= refRss[0];

        System.out.println();
        System.out.printf("%-18s %8s %12s %12s %14s %14s %14s%n", "", "steps/s", "wall ms/step", "cpu ms/step", "peak RSS MiB",
                "steps' peak", "RSS at end");
        System.out.printf("%-18s %8.2f %12.1f %12.1f %14.0f %14.0f %14.0f%n", "reference (torch)", 1000 / refWall, refWall, refCpu,
                refPeak / 1024.0, refRss[0] / 1024.0, refRss[1] / 1024.0);
        System.out.printf("%-18s %8.2f %12.1f %12.1f %14.0f %14.0f %14.0f%n", "ours (Trainer)", 1000 / ourWall, ourWall, ourCpu,
                ourPeak / 1024.0, ourHwm / 1024.0, ourRss / 1024.0);
        System.out.printf("%-18s %8.3f %12s %12.3f %14.3f %14.3f%n", "ratio", refWall / ourWall, "", refCpu / ourCpu,
                (double) ourPeak / refPeak, (double) ourHwm / refRss[0]);
        System.out.printf("%-18s %8.3f %12s %12.3f%n", "paired ratio", median(pairedWall), "", median(pairedCpu));
        System.out.printf("(medians over %d rounds x %d steps per side after %d warm-up steps; ratio = ours / reference in steps/s,"
                        + " i.e. reference ms / ours ms; paired = median of the per-round ratios; RSS ratios = ours / reference; peak RSS = VmHWM of the whole process,"
                        + " steps' peak = VmHWM reset after the set-up, read after the last step)%n",
                rounds, iterations, iterations);
        System.out.printf("targets: %s ratio >= %.1f: %s; peak RSS ours <= reference: %s (steps' peak: %s)%n",
                cpuClock ? "cpu" : "wall", TARGET_RATIO, timeMet ? "met" : "MISSED", rssMet ? "met" : "MISSED",
                stepsRssMet ? "met" : "MISSED");
        System.out.printf("train-step: ours=%.2f reference=%.2f ratio=%.3f%n", ourSps, refSps, ratio);
        model.close();
        if (!lossOk || (check && !(timeMet && rssMet))) {
            System.exit(1);
        }
    }

    static String losses(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.isEmpty() ? "" : " ").append(String.format("%.6f", x));
        }
        return b.toString();
    }

    /** Resets this process's VmHWM to its current RSS (Linux: clear_refs 5). */
    static void resetPeak() throws IOException {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    }
}
