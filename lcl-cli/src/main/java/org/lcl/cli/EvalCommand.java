package org.lcl.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.checkpoint.EmbeddedConfig;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.eval.EvalRecord;
import org.lcl.models.eval.LinearProbe;
import org.lcl.models.eval.ResultsFile;
import org.lcl.models.eval.Retrieval;
import org.lcl.models.eval.TextFeatures;
import org.lcl.models.eval.ZeroShot;
import org.lcl.models.eval.data.CaptionedImages;
import org.lcl.models.eval.data.FashionMnist;
import org.lcl.models.eval.data.ImageFolder;
import org.lcl.models.eval.data.LabeledImages;
import org.lcl.models.eval.data.Subsets;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Evaluates a model: linear probe, zero-shot classification and image-text retrieval; results appended to a JSONL file. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a model's frozen image latents (L2-normalised) and, for zero-shot and retrieval, its text features "
                + "(LCL: the decoder's feature at the <soi> that replaces each prompt's <eot>; CLIP: the pooled text feature).",
                "linear-probe: CLIP_benchmark's probe (Linear(D, classes), AdamW without weight decay, cosine lr from --lr, "
                + "--epochs, --probe-batch-size), acc1 / acc5 / mean per-class recall on the test split.",
                "zero-shot: class embeddings from prompt templates (" + "\"a photo of a {c}.\", ...; text cut to 77 tokens, "
                + "the end token kept), logits 100 * image . text, acc1 / acc5 / mean per-class recall.",
                "retrieval: image->text and text->image R@1/5/10 and mean / median rank over a folder of NAME.png|jpg|jpeg|webp "
                + "beside NAME.txt (first line = caption; the input of 'lcl data make-shards').",
                "--dataset fashion-mnist reads the Debian package dataset-fashion-mnist; a DIR is an ImageFolder (DIR/CLASS/IMAGE, "
                + "or DIR/train/CLASS/... and DIR/test/CLASS/...; without them a seeded per-class split by --test-fraction). "
                + "Unreadable images are skipped and counted. One JSON line per task is appended to --results."})
final class EvalCommand implements Callable<Integer> {

    /** The evaluations, by their --task names. */
    enum Task {
        LINEAR_PROBE("linear-probe"), ZERO_SHOT("zero-shot"), RETRIEVAL("retrieval");

        final String cliName;

        Task(String cliName) {
            this.cliName = cliName;
        }

        static final class Converter implements CommandLine.ITypeConverter<Task> {
            @Override
            public Task convert(String value) {
                for (Task t : values()) {
                    if (t.cliName.equals(value.trim().toLowerCase(Locale.ROOT))) {
                        return t;
                    }
                }
                throw new CommandLine.TypeConversionException("unknown task '" + value + "': expected linear-probe, zero-shot or retrieval "
                        + "(several comma-separated)");
            }
        }
    }

    @Option(names = "--model", paramLabel = "NAME|PATH",
            description = "model config name (configs/NAME.json) or JSON file; optional when --pretrained embeds its config")
    String model;

    @Option(names = "--pretrained", paramLabel = "FILE",
            description = "checkpoint to evaluate (OpenCLIP .pt, safetensors or an 'lcl export' file); none: random init with --seed")
    Path pretrained;

    @Option(names = "--non-strict", description = "load the checkpoint's matching keys only (e.g. a vision-only export for linear-probe)")
    boolean nonStrict;

    @Option(names = "--task", split = ",", defaultValue = "linear-probe", converter = Task.Converter.class, paramLabel = "TASK",
            description = "linear-probe, zero-shot, retrieval; comma-separated for several (default: ${DEFAULT-VALUE})")
    List<Task> tasks;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "fashion-mnist|DIR",
            description = "classification data: fashion-mnist or an ImageFolder directory (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--fashion-mnist-dir", paramLabel = "DIR", description = "where the Fashion-MNIST .gz files are (default: ${DEFAULT-VALUE})")
    Path fashionMnistDir = FashionMnist.DEFAULT_DIR;

    @Option(names = "--retrieval-data", paramLabel = "DIR",
            description = "folder of image + caption pairs for retrieval (default: --dataset when it is a directory)")
    Path retrievalData;

    @Option(names = "--test-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "share of each class held out for testing when an ImageFolder has no train/ and test/ (default: ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--tokenizer", defaultValue = "clip", paramLabel = "clip|gpt2", description = "text tokenizer (default: ${DEFAULT-VALUE})")
    String tokenizer;

    @Option(names = "--vocab", paramLabel = "FILE", description = "CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz; default: found as 'lcl tokenize' does)")
    Path vocab;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda[:N]", description = "device (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "DTYPE", description = "model dtype: float32, float16, bfloat16 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N", description = "images or texts per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "10", paramLabel = "N", description = "linear probe epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.1", paramLabel = "LR", description = "linear probe peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--probe-batch-size", defaultValue = "64", paramLabel = "N", description = "linear probe batch size (default: ${DEFAULT-VALUE})")
    int probeBatchSize;

    @Option(names = "--max-train-samples", paramLabel = "N", description = "use a seeded class-balanced subset of the train split")
    Integer maxTrainSamples;

    @Option(names = "--max-test-samples", paramLabel = "N",
            description = "use a seeded class-balanced subset of the test split (retrieval: the first N pairs)")
    Integer maxTestSamples;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "seed of the random init (without --pretrained), the subsets, splits and probe (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--results", defaultValue = "results.jsonl", paramLabel = "FILE", description = "JSONL file results are appended to (default: ${DEFAULT-VALUE})")
    Path results;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (IOException | IllegalArgumentException e) {  // also ConfigException, ModelDefinitionException, CheckpointException
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }

    private int run() throws IOException {
        List<Task> todo = List.copyOf(new LinkedHashSet<>(tasks));
        if (model == null && pretrained == null) {
            throw new IllegalArgumentException("give --model NAME|PATH (and/or --pretrained FILE whose config is embedded)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
        Consumer<String> log = m -> System.err.println("[eval] " + m);
        Device dev = Device.parse(device);
        DType dt = DType.parse(dtype);
        Tokenizer tok = todo.contains(Task.ZERO_SHOT) || todo.contains(Task.RETRIEVAL) ? Tokenizers.create(tokenizer, vocab) : null;
        Path retrievalDir = todo.contains(Task.RETRIEVAL) ? retrievalDir() : null;

        String modelName;
        ImageTextModel m;
        if (pretrained != null) {
            Checkpoints.Contents c = Checkpoints.read(pretrained);
            EmbeddedConfig cfg = Checkpoints.config(c, model);
            modelName = cfg.name();
            m = Models.create(cfg.config(), dev, dt, false);
            try {
                var r = Checkpoints.loadInto(m, c.weights(), pretrained + " (model '" + cfg.name() + "', config from " + cfg.origin() + ")", !nonStrict);
                if (!r.isClean()) {
                    log.accept("warning: " + Checkpoints.describe(r));
                }
            } catch (IOException | RuntimeException e) {
                m.close();
                throw e;
            }
        } else {
            Torch.manualSeed(seed);
            modelName = model;
            m = Models.create(model, dev, dt);
            log.accept("no --pretrained: evaluating a randomly initialised " + model + " (seed " + seed + ")");
        }
        try (ImageTextModel closing = m) {
            m.freeze();
            List<String> summary = new ArrayList<>();
            Subsets.Split splits = todo.contains(Task.LINEAR_PROBE) || todo.contains(Task.ZERO_SHOT) ? classificationSplits() : null;
            for (Task t : todo) {
                EvalRecord r = switch (t) {
                    case LINEAR_PROBE -> linearProbe(m, modelName, splits, dev, log);
                    case ZERO_SHOT -> zeroShot(m, modelName, tok, splits.test(), log);
                    case RETRIEVAL -> retrieval(m, modelName, tok, retrievalDir, log);
                };
                ResultsFile.append(results, r);
                summary.add(summarize(r));
            }
            System.out.println("model:   " + modelName + (pretrained == null ? " (random init, seed " + seed + ")" : " from " + pretrained));
            summary.forEach(System.out::println);
            System.out.println("results appended to " + results.toAbsolutePath());
        }
        return 0;
    }

    private Path retrievalDir() {
        if (retrievalData != null) {
            return retrievalData;
        }
        if (!"fashion-mnist".equals(dataset)) {
            return Path.of(dataset);
        }
        throw new IllegalArgumentException("retrieval needs a folder of image + caption pairs: give --retrieval-data DIR (or --dataset DIR)");
    }

    private String datasetName() {
        return "fashion-mnist".equals(dataset) ? dataset : Path.of(dataset).toAbsolutePath().normalize().toString();
    }

    private Subsets.Split classificationSplits() throws IOException {
        Subsets.Split s;
        if ("fashion-mnist".equals(dataset)) {
            s = new Subsets.Split(FashionMnist.load(fashionMnistDir, FashionMnist.Split.TRAIN), FashionMnist.load(fashionMnistDir, FashionMnist.Split.TEST));
        } else {
            Path dir = Path.of(dataset);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--dataset " + dataset + ": expected fashion-mnist or an image folder directory");
            }
            s = ImageFolder.splits(dir, testFraction, seed);
        }
        LabeledImages train = maxTrainSamples == null ? s.train() : Subsets.balanced(s.train(), maxTrainSamples, seed);
        LabeledImages test = maxTestSamples == null ? s.test() : Subsets.balanced(s.test(), maxTestSamples, seed);
        return new Subsets.Split(train, test);
    }

    private EvalRecord linearProbe(ImageTextModel m, String name, Subsets.Split s, Device dev, Consumer<String> log) {
        LinearProbe.Options o = new LinearProbe.Options(epochs, lr, probeBatchSize, 0.0, seed, dev, batchSize);
        log.accept("linear probe: encoding " + s.train().size() + " train and " + s.test().size() + " test images");
        LinearProbe.Result r = LinearProbe.run(m, s.train(), s.test(), o, log);
        Map<String, Object> samples = new LinkedHashMap<>();
        samples.put("train", r.trainSamples());
        samples.put("test", r.metrics().samples());
        samples.put("train_skipped", r.trainSkipped());
        samples.put("test_skipped", r.testSkipped());
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("epochs", epochs);
        options.put("lr", lr);
        options.put("batch_size", probeBatchSize);
        options.put("weight_decay", 0.0);
        options.put("seed", seed);
        Map<String, Object> metrics = new LinkedHashMap<>(r.metrics().toMap());
        metrics.put("final_train_loss", r.finalLoss());
        return record("linear-probe", datasetName(), name, metrics, samples, options);
    }

    private EvalRecord zeroShot(ImageTextModel m, String name, Tokenizer tok, LabeledImages test, Consumer<String> log) {
        ZeroShot.Options o = ZeroShot.Options.DEFAULT.withEncodeBatchSize(batchSize);
        log.accept("zero-shot: " + test.classes().size() + " classes x " + o.templates().size() + " prompts, " + test.size() + " images");
        ZeroShot.Result r = ZeroShot.run(m, tok, test, o, log);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("templates", o.templates());
        options.put("context_length", TextFeatures.contextLength(m));
        options.put("tokenizer", tokenizer);
        Map<String, Object> samples = new LinkedHashMap<>();
        samples.put("test", r.metrics().samples());
        samples.put("test_skipped", r.skipped());
        return record("zero-shot", datasetName(), name, r.metrics().toMap(), samples, options);
    }

    private EvalRecord retrieval(ImageTextModel m, String name, Tokenizer tok, Path dir, Consumer<String> log) throws IOException {
        CaptionedImages pairs = CaptionedImages.open(dir);
        if (maxTestSamples != null) {
            pairs = pairs.limit(maxTestSamples);
        }
        log.accept("retrieval: " + pairs.size() + " image + caption pairs from " + dir);
        Retrieval.Result r = Retrieval.run(m, tok, pairs, batchSize, log);
        Map<String, Object> samples = new LinkedHashMap<>();
        samples.put("pairs", r.metrics().samples());
        samples.put("skipped", r.skipped());
        samples.put("missing_captions", pairs.missingCaptions());
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("context_length", TextFeatures.contextLength(m));
        options.put("tokenizer", tokenizer);
        return record("retrieval", dir.toAbsolutePath().normalize().toString(), name, r.metrics().toMap(), samples, options);
    }

    private EvalRecord record(String task, String data, String name, Map<String, Object> metrics, Map<String, Object> samples,
            Map<String, Object> options) {
        return new EvalRecord(task, data, name, pretrained == null ? null : pretrained.toAbsolutePath().normalize().toString(), metrics,
                samples, options, Instant.now());
    }

    private static String summarize(EvalRecord r) {
        StringBuilder b = new StringBuilder(String.format("%-13s %s  %s", r.task() + ":", r.dataset(), r.samples()));
        r.metrics().forEach((k, v) -> b.append(String.format("%n    %-28s %s", k, v instanceof Double d ? String.format("%.4f", d) : v)));
        return b.toString();
    }
}
