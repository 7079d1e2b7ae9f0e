package org.lcl.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.lcl.models.data.mmc4.Mmc4Config;
import org.lcl.models.data.mmc4.Mmc4Exception;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.data.webdataset.MakeShards;
import org.lcl.models.data.webdataset.PairedSequence;
import org.lcl.models.data.webdataset.Rng;
import org.lcl.models.data.webdataset.ShardSamples;
import org.lcl.models.data.webdataset.WdsSample;
import org.lcl.models.data.webdataset.WebDataset;
import org.lcl.models.data.webdataset.WebDatasetConfig;
import org.lcl.models.data.webdataset.WebDatasetException;
import org.lcl.models.data.webdataset.WebDatasetStats;
import org.lcl.models.data.webdataset.WorkerStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lcl data}: dataset tools (make WebDataset shards or an MMC4 corpus, inspect a dataset). */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Dataset tools: turn image + caption folders into WebDataset shards, make a small MMC4 corpus, "
                + "inspect a dataset.",
        subcommands = {DataCommand.MakeShardsCommand.class, MakeMmc4Command.class, ExportFashionMnistCommand.class, DataCommand.InspectCommand.class,
                CommandLine.HelpCommand.class})
final class DataCommand implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static int fail(Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
    }

    @Command(name = "make-shards", mixinStandardHelpOptions = true,
            description = {"Write WebDataset shards (KEY.png|jpg|jpeg|webp + KEY.txt + KEY.json, keys 000000000, ...) "
                    + "and sizes.json from a folder of NAME.png (or .jpg/.jpeg/.webp) beside NAME.txt.",
                    "The caption is the first line of the caption file (Tux Paint's stamps keep the English text there). "
                    + "Pairs are taken in sorted path order, so the shards are reproducible.",
                    "Example: scripts/lcl data make-shards --input /usr/share/tuxpaint/stamps --output data/tuxpaint "
                    + "--samples-per-shard 100"})
    static final class MakeShardsCommand implements Callable<Integer> {

        @Option(names = "--input", required = true, paramLabel = "DIR", description = "folder searched recursively")
        Path input;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "folder for the shards (new or empty)")
        Path output;

        @Option(names = "--samples-per-shard", defaultValue = "10000", paramLabel = "N",
                description = "samples per tar (default: ${DEFAULT-VALUE}, as LAION)")
        int samplesPerShard;

        @Option(names = "--caption-ext", defaultValue = "txt", paramLabel = "EXT",
                description = "extension of the caption files (default: ${DEFAULT-VALUE})")
        String captionExt;

        @Option(names = "--prefix", defaultValue = "shard-", paramLabel = "TEXT",
                description = "shard file name prefix (default: ${DEFAULT-VALUE})")
        String prefix;

        @Override
        public Integer call() {
            MakeShards.Result r;
            try {
                r = MakeShards.run(new MakeShards.Options(input, output, samplesPerShard, captionExt, prefix),
                        msg -> System.err.println(msg));
            } catch (WebDatasetException | IllegalArgumentException | java.io.UncheckedIOException e) {
                return fail(e);
            }
            System.out.println("wrote " + r.samples() + " samples (" + r.bytes() + " image bytes) in " + r.shards().size()
                    + " shards, and " + output.resolve("sizes.json"));
            System.out.println("left out: " + r.imagesWithoutCaption() + " images without a ." + captionExt + " file, "
                    + r.emptyCaptions() + " with an empty caption, " + r.unreadable() + " unreadable");
            System.out.println("train with: --dataset-type webdataset --train-data '" + r.pattern() + "'");
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Check a dataset as training would open it and show a few samples: the shards found, the "
                    + "epoch size and OpenCLIP's epoch arithmetic, the first samples with their captions and, with "
                    + "--tokenizer, the token sequences LCL's interleaved wrapper makes of them.",
                    "MMC4 (--dataset-type mmc4, or a ROOT holding data/ and images/): the shards, the epoch with "
                    + "--train-num-samples, the first sequences training reads with their images (name, size) and "
                    + "tokens (text with the special tokens written out, and ids), and the skip counters.",
                    "--count reads every shard once and reports samples and skips (slow on large datasets)."})
    static final class InspectCommand implements Callable<Integer> {

        @Option(names = "--dataset-type", defaultValue = "auto", paramLabel = "TYPE",
                description = "webdataset, mmc4, or auto: mmc4 when --train-data is a folder holding data/ and images/ "
                        + "(default: ${DEFAULT-VALUE})")
        String datasetType;

        @Option(names = "--train-data", required = true, paramLabel = "PATTERN|ROOT",
                description = "shards, '::'-joined sources with brace patterns, e.g. 'data/{00000..00099}.tar'; "
                        + "for mmc4 the ROOT folder")
        String trainData;

        @Option(names = "--data-global-distributed", description = "mmc4: rank r reads the shards with index % world == r")
        boolean globalDistributed;

        @Option(names = "--train-num-samples", paramLabel = "N", description = "samples per epoch (else sizes.json)")
        Long trainNumSamples;

        @Option(names = "--dataset-resampled", description = "draw shards with replacement")
        boolean resampled;

        @Option(names = "--train-data-upsampling-factors", paramLabel = "F::F", description = "per-source weights (resampled)")
        String upsamplingFactors;

        @Option(names = "--allow-missing-shards", description = "skip names of the pattern that are not files")
        boolean allowMissing;

        @Option(names = "--batch-size", defaultValue = "64", description = "per process (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--workers", defaultValue = "4", description = "data workers per process (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--world-size", defaultValue = "1", description = "processes (default: ${DEFAULT-VALUE})")
        int worldSize;

        @Option(names = "--seed", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--samples", defaultValue = "3", paramLabel = "K", description = "samples to show (default: ${DEFAULT-VALUE})")
        int show;

        @Option(names = "--as-training", description = "show the samples worker 0 of rank 0 reads in epoch 0 (shuffled), "
                + "not the first ones in file order")
        boolean asTraining;

        @Option(names = "--count", description = "read every shard once and count samples and skips")
        boolean count;

        @Option(names = "--tokenizer", paramLabel = "NAME",
                description = "clip or gpt2: also show token sequences (mmc4 always does; default clip)")
        String tokenizer;

        @Option(names = "--vocab", paramLabel = "FILE", description = "BPE vocabulary for --tokenizer clip")
        Path vocab;

        @Option(names = "--interleaved-context-length", paramLabel = "L",
                description = "sequence length (default: 128 for webdataset, 2048 for mmc4)")
        Integer contextLength;

        @Option(names = "--num-img-token", defaultValue = "49", description = "(default: ${DEFAULT-VALUE})")
        int numImgToken;

        @Option(names = "--img-first-prob", defaultValue = "0.5", description = "(default: ${DEFAULT-VALUE})")
        double imgFirstProb;

        @Override
        public Integer call() {
            boolean mmc4 = switch (datasetType) {
                case "mmc4" -> true;
                case "webdataset" -> false;
                case "auto" -> isMmc4Root(trainData);
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--dataset-type must be webdataset, mmc4 or auto, not " + datasetType);
            };
            try {
                return mmc4 ? inspectMmc4() : inspect();
            } catch (WebDatasetException | Mmc4Exception | IllegalArgumentException | java.io.UncheckedIOException e) {
                return fail(e);
            }
        }

        static boolean isMmc4Root(String trainData) {
            try {
                Path p = Path.of(trainData);
                return Files.isDirectory(p.resolve("data")) && Files.isDirectory(p.resolve("images"));
            } catch (java.nio.file.InvalidPathException e) {
                return false;
            }
        }

        private int inspectMmc4() {
            Tokenizer tok = Tokenizers.create(tokenizer == null ? "clip" : tokenizer, vocab);
            Mmc4Config config = Mmc4Config.defaults(Path.of(trainData), seed)
                    .withContextLength(contextLength == null ? Mmc4Config.DEFAULT_CONTEXT_LENGTH : contextLength)
                    .withNumImageTokens(numImgToken).withGlobalDistributed(globalDistributed);
            new Mmc4Inspect(config, tok, System.out).run(worldSize, workers, batchSize, trainNumSamples, show, count);
            return 0;
        }

        private int inspect() {
            InterleavedWrapper wrapper = null;
            if (tokenizer != null) {
                Tokenizer tok = Tokenizers.create(tokenizer, vocab);
                wrapper = new InterleavedWrapper(tok, contextLength == null ? 128 : contextLength, numImgToken, imgFirstProb);
            }
            WebDatasetConfig config = WebDatasetConfig.builder(trainData).trainNumSamples(trainNumSamples)
                    .resampled(resampled).upsamplingFactors(upsamplingFactors).allowMissingShards(allowMissing)
                    .batchSize(batchSize).workers(workers).worldSize(worldSize).seed(seed).build();
            WebDataset ds = WebDataset.open(config);
            var shards = ds.shards();
            System.out.println("shards:     " + shards.size() + " from " + ds.shardList().sources().size() + " source(s)"
                    + (ds.shardList().missing().isEmpty() ? "" : ", " + ds.shardList().missing().size() + " missing skipped"));
            System.out.println("            " + shards.get(0) + (shards.size() > 1 ? " ... " + shards.get(shards.size() - 1) : ""));
            System.out.println("epoch:      " + ds.plan());
            List<WdsSample> samples = new ArrayList<>();
            if (asTraining) {
                try (WorkerStream s = ds.stream(0, 0, 0)) {
                    for (int i = 0; i < show; i++) {
                        samples.add(s.next());
                    }
                }
            } else {
                try (ShardSamples all = ds.readAllInOrder()) {
                    while (samples.size() < show && all.hasNext()) {
                        samples.add(all.next());
                    }
                }
            }
            Rng rng = new Rng(Rng.mix(WebDataset.SALT_WRAPPER, seed, 0, 0, 0));
            for (int i = 0; i < samples.size(); i++) {
                WdsSample s = samples.get(i);
                System.out.println();
                System.out.println("sample " + (i + 1) + ": " + Path.of(s.shard()).getFileName() + " : " + s.key() + "  "
                        + s.imageExt() + " " + s.image().length + " bytes" + (s.extras().isEmpty() ? "" : ", also " + s.extras().keySet()));
                System.out.println("  caption: " + s.caption().strip());
                if (wrapper != null) {
                    PairedSequence p = wrapper.wrap(s, rng);
                    System.out.println("  ids (" + (p.imageFirst() ? "image first" : "text first") + ", " + p.textTokens()
                            + " caption tokens): " + runLength(p.ids()));
                }
            }
            if (count) {
                WebDatasetStats stats = new WebDatasetStats();
                long n = 0;
                try (ShardSamples all = new ShardSamples(shards, stats)) {
                    while (all.hasNext()) {
                        all.next();
                        n++;
                    }
                }
                System.out.println();
                System.out.println("count:      " + n + " usable samples; " + stats.summary());
            }
            return 0;
        }

        /** Ids with runs written as id×n, e.g. "49409 49408×49 49410 0×47". */
        static String runLength(int[] ids) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < ids.length; ) {
                int j = i;
                while (j < ids.length && ids[j] == ids[i]) {
                    j++;
                }
                b.append(b.isEmpty() ? "" : " ").append(ids[i]);
                if (j - i > 2) {
                    b.append('×').append(j - i);
                } else if (j - i == 2) {
                    b.append(' ').append(ids[i]);
                }
                i = j;
            }
            return b.toString();
        }
    }
}
