import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * The driver of {@code scripts/bench data-pipeline}: images/s of OpenCLIP's train pipeline
 * (read file, decode, RandomResizedCrop(224, scale 0.9-1.0, bicubic), RGB, ToTensor + Normalize,
 * batch of 64 as one CPU tensor) over the same JPEG files, here (N worker threads, each building
 * whole batches as a DataLoader worker does) and in Python (reference.py: PIL + torchvision in a
 * torch DataLoader with N worker processes), in one run with interleaved rounds. Prints each
 * round, the medians, and a last line {@code data-pipeline: ours=<img/s> reference=<img/s>
 * ratio=<r>}.
 *
 * <p>Usage: {@code DataPipeline --images DIR --reference reference.py [--python /usr/bin/python3]
 * [--threads 2] [--batch 64] [--passes 3] [--rounds 3] [--size 224]}
 */
public final class DataPipeline {

    public static void main(String[] args) throws Exception {
        Path images = null;
        Path reference = null;
        String python = "/usr/bin/python3";
        int threads = 2;
        int batch = 64;
        int passes = 3;
        int rounds = 3;
        int size = 224;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--images" -> images = Path.of(args[++i]);
                case "--reference" -> reference = Path.of(args[++i]);
                case "--python" -> python = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (images == null || reference == null) {
            throw new IllegalArgumentException("usage: DataPipeline --images DIR --reference reference.py [...]");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        if (files.size() < 500) {
            throw new IllegalStateException("need >= 500 JPEG files in " + images + ", found " + files.size());
        }
        Path list = Files.createTempFile("data-pipeline-", ".txt");
        Files.writeString(list, String.join("\n", files.stream().map(Path::toString).toList()) + "\n");

        int minSide = Integer.MAX_VALUE;
        int maxSide = 0;
        try (ImageDecoder d = new ImageDecoder()) {
            for (Path f : files) {
                var im = d.decode(Files.readAllBytes(f));
                minSide = Math.min(minSide, Math.min(im.width(), im.height()));
                maxSide = Math.max(maxSide, Math.max(im.width(), im.height()));
            }
            System.out.printf(Locale.ROOT, "images: %d JPEG files in %s, sides %d..%d px; JPEG decoder here: %s%n",
                    files.size(), images, minSide, maxSide, d.jpegBackend());
        }
        System.out.printf(Locale.ROOT, "pipeline: decode + RandomResizedCrop(%d, scale (0.9, 1.0), bicubic) + normalise, batches of %d, %d threads/workers, %d passes per round%n",
                size, batch, threads, passes);
        System.out.printf(Locale.ROOT, "machine: %d CPUs (%s), load average at start %s%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), loadAverage());

        ImageTransform transform = ImageTransform.train(size);
        // warm-up: JIT compilation, page cache
        runOurs(files, transform, threads, batch, 1, 99);
        double[] ours = new double[rounds];
        double[] ref = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ours[r] = runOurs(files, transform, threads, batch, passes, r);
            ref[r] = runReference(python, reference, list, threads, batch, passes, size);
            System.out.printf(Locale.ROOT, "round %d: ours %.1f img/s, reference %.1f img/s%n", r + 1, ours[r], ref[r]);
        }
        Files.deleteIfExists(list);
        double o = median(ours);
        double f = median(ref);
        System.out.printf(Locale.ROOT, "data-pipeline: ours=%.1f reference=%.1f ratio=%.2f%n", o, f, o / f);
    }

    /** Images/s of the Java pipeline: threads workers, each decoding whole batches into its own buffer. */
    static double runOurs(List<Path> files, ImageTransform transform, int threads, int batch, int passes, long seed) throws Exception {
        int n = files.size();
        int batchesPerPass = (n + batch - 1) / batch;
        int total = batchesPerPass * passes;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger images = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try (ImagePreprocessor pre = new ImagePreprocessor(transform);
                        ImageBatchBuffer buf = new ImageBatchBuffer(batch, transform.size())) {
                    int b;
                    while ((b = next.getAndIncrement()) < total) {
                        int first = (b % batchesPerPass) * batch;
                        int count = Math.min(batch, n - first);
                        int filled = 0;
                        for (int i = 0; i < count; i++) {
                            byte[] data = Files.readAllBytes(files.get(first + i));
                            // a generator per (seed, pass, sample), as the pipeline seeds them
                            SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + b * (long) batch + i);
                            try {
                                pre.process(data, rng, buf.slot(filled));
                                filled++;
                            } catch (ImageDecodeException e) {
                                skipped.incrementAndGet();
                            }
                        }
                        try (Scope s = Scope.open()) {
                            Tensor x = buf.toTensor(Device.CPU, filled);
                            if (x.shape()[0] != filled) {
                                throw new IllegalStateException("bad batch shape");
                            }
                        }
                        images.addAndGet(filled);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "pipeline-" + t);
            workers.add(th);
            th.start();
        }
        for (Thread th : workers) {
            th.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new RuntimeException("worker failed", failure.get());
        }
        if (skipped.get() > 0) {
            System.out.println("skipped (decode errors): " + skipped.get());
        }
        return images.get() / seconds;
    }

    static double runReference(String python, Path script, Path list, int workers, int batch, int passes, int size) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), list.toString(), "--workers", String.valueOf(workers),
                "--batch", String.valueOf(batch), "--passes", String.valueOf(passes), "--size", String.valueOf(size));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("reference failed:\n" + out);
        }
        for (String line : out.split("\n")) {
            for (String field : line.trim().split(" ")) {
                if (field.startsWith("img_per_s=")) {
                    return Double.parseDouble(field.substring("img_per_s=".length()));
                }
            }
        }
        throw new IllegalStateException("no img_per_s in reference output:\n" + out);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
