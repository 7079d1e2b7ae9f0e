package org.lcl.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * OpenCLIP's run folder {@code LOGS/NAME/}: {@code out.log}, {@code params.txt},
 * {@code checkpoints/epoch_N.pt} and {@code epoch_latest.pt}; this project adds
 * {@code metrics.jsonl} (one record per logged step) and {@code loss.png}.
 */
public record RunFolder(Path root) {

    private static final Pattern EPOCH_FILE = Pattern.compile("epoch_(\\d+)\\.pt");

    public static RunFolder of(Path logs, String name) {
        return new RunFolder(logs.resolve(name));
    }

    /** OpenCLIP's default NAME: {@code {%Y_%m_%d-%H_%M_%S}-model_{model}-lr_{lr}-b_{batch}-j_{workers}-p_{precision}}. */
    public static String defaultName(LocalDateTime now, String model, double lr, int batchSize, int workers, Precision precision) {
        String date = now.format(DateTimeFormatter.ofPattern("yyyy_MM_dd-HH_mm_ss"));
        String modelName = model.replace('/', '-');
        return date + "-model_" + modelName + "-lr_" + PythonFloat.repr(lr) + "-b_" + batchSize + "-j_" + workers + "-p_" + precision.flag();
    }

    public Path outLog() {
        return root.resolve("out.log");
    }

    public Path paramsFile() {
        return root.resolve("params.txt");
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    public Path metrics() {
        return root.resolve("metrics.jsonl");
    }

    public Path lossPlot() {
        return root.resolve("loss.png");
    }

    public Path epochCheckpoint(int epoch) {
        return checkpoints().resolve("epoch_" + epoch + ".pt");
    }

    public Path latestCheckpoint() {
        return checkpoints().resolve("epoch_latest.pt");
    }

    /**
     * Creates the folders. An existing {@code out.log} means the run exists: refused unless
     * resuming (OpenCLIP: "Experiment already exists").
     */
    public void create(boolean resuming) {
        if (Files.exists(outLog()) && !resuming) {
            throw new IllegalStateException("experiment already exists: " + outLog()
                    + "; use --name to name a new run, or --resume latest to continue this one");
        }
        try {
            Files.createDirectories(checkpoints());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run folder " + root, e);
        }
    }

    /** {@code --resume latest}: epoch_latest.pt when present, else the epoch_N.pt with the largest N. */
    public Optional<Path> findLatestCheckpoint() {
        if (Files.isRegularFile(latestCheckpoint())) {
            return Optional.of(latestCheckpoint());
        }
        if (!Files.isDirectory(checkpoints())) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(checkpoints())) {
            return files.filter(p -> EPOCH_FILE.matcher(p.getFileName().toString()).matches())
                    .max(Comparator.comparingLong(RunFolder::epochOf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + checkpoints(), e);
        }
    }

    private static long epochOf(Path p) {
        Matcher m = EPOCH_FILE.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
