package org.lcl.models.data.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/python/image_reference.py with Debian's python3 (python3-pil,
 * python3-torchvision) to get PIL / torchvision outputs for the same files, and makes the
 * test images from Tux Paint's stamps (Debian tuxpaint-stamps-default) at test time.
 */
final class PilReference {

    static final Path PYTHON = Path.of(System.getProperty("lcl.test.python", "/usr/bin/python3"));
    static final Path SCRIPT = Path.of("src/test/python/image_reference.py").toAbsolutePath();
    static final Path STAMPS = Path.of(System.getProperty("lcl.test.stamps", "/usr/share/tuxpaint/stamps"));

    record TestImage(Path path, String mode) {
        String name() {
            return path.getFileName().toString();
        }
    }

    record Job(String id, Path path, String op, int size, CropBox crop) {
        String json() {
            String c = crop == null ? "null" : "[" + crop.top() + ", " + crop.left() + ", " + crop.height() + ", " + crop.width() + "]";
            return "{\"id\": \"" + id + "\", \"path\": \"" + path.toString().replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\", \"op\": \"" + op + "\", \"size\": " + size + ", \"crop\": " + c + "}";
        }
    }

    private static String unavailable;
    private static boolean checked;
    private static List<TestImage> images;
    private static Path workDir;

    private PilReference() {
    }

    /** Null when the reference can run, else why not (the tests then skip, printing it). */
    static synchronized String unavailable() {
        if (!checked) {
            checked = true;
            unavailable = probe();
            if (unavailable != null) {
                System.out.println("[image tests] PIL/torchvision reference unavailable: " + unavailable);
            }
        }
        return unavailable;
    }

    private static String probe() {
        if (!Files.isExecutable(PYTHON)) {
            return PYTHON + " not found (install Debian's python3-pil and python3-torchvision)";
        }
        if (!Files.isRegularFile(SCRIPT)) {
            return SCRIPT + " not found (run the tests from the lcl-models module)";
        }
        if (!Files.isDirectory(STAMPS)) {
            return STAMPS + " not found (install Debian's tuxpaint-stamps-default)";
        }
        try {
            String out = python("check");
            System.out.println("[image tests] reference: " + out.strip());
            return null;
        } catch (IOException e) {
            return "python3 cannot import PIL/torch/torchvision (install python3-pil python3-torchvision): " + e.getMessage();
        }
    }

    static synchronized Path workDir() throws IOException {
        if (workDir == null) {
            Path target = Path.of("target");
            Files.createDirectories(target);
            workDir = Files.createTempDirectory(target.toAbsolutePath(), "image-test-");
            Path dir = workDir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        }
        return workDir;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // left under target/ for mvn clean
        }
    }

    /** The test images (made once per JVM): real stamps and files derived from them. */
    static synchronized List<TestImage> images() throws IOException {
        if (images == null) {
            Path dir = workDir().resolve("images");
            String out = python("make-images", STAMPS.toString(), dir.toString(), "60");
            List<TestImage> list = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    String[] f = line.split("\t");
                    list.add(new TestImage(Path.of(f[0]), f[1]));
                }
            }
            images = List.copyOf(list);
        }
        return images;
    }

    /** Runs the jobs in one python process; returns the folder holding ID.rgb / ID.f32. */
    static Path run(List<Job> jobs, String name) throws IOException {
        Path dir = workDir().resolve(name);
        Files.createDirectories(dir);
        Path jobsFile = dir.resolve("jobs.jsonl");
        StringBuilder sb = new StringBuilder();
        for (Job j : jobs) {
            sb.append(j.json()).append('\n');
        }
        Files.writeString(jobsFile, sb.toString());
        python("run", jobsFile.toString(), dir.toString());
        return dir;
    }

    static float[] readFloats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    private static String python(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(PYTHON.toString());
        cmd.add(SCRIPT.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        byte[] err;
        byte[] out;
        try {
            var errFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("python timed out: " + cmd);
            }
            err = errFuture.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + " from " + String.join(" ", cmd) + ": " + new String(err, StandardCharsets.UTF_8).strip());
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Max and mean absolute difference in [0, 1] pixel units, normalisation undone. */
    record Diff(double max, double mean, long count) {
        static Diff of(float[] ours, float[] ref, int size) {
            if (ours.length != ref.length) {
                throw new AssertionError("length " + ours.length + " vs " + ref.length);
            }
            int plane = size * size;
            double max = 0;
            double sum = 0;
            for (int i = 0; i < ours.length; i++) {
                double d = Math.abs((double) ours[i] - ref[i]) * ImageTransform.OPENAI_STD[i / plane];
                max = Math.max(max, d);
                sum += d;
            }
            return new Diff(max, sum / ours.length, ours.length);
        }

        Diff plus(Diff o) {
            long n = count + o.count;
            return new Diff(Math.max(max, o.max), n == 0 ? 0 : (mean * count + o.mean * o.count) / n, n);
        }

        @Override
        public String toString() {
            return String.format("max %.6f (%.2f/255), mean %.8f (%.4f/255) over %d values", max, max * 255, mean, mean * 255, count);
        }
    }
}
