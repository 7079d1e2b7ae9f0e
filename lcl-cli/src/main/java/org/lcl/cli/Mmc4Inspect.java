package org.lcl.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;
import org.lcl.models.data.loader.Mmc4BatchLoader;
import org.lcl.models.data.mmc4.Mmc4Config;
import org.lcl.models.data.mmc4.Mmc4Document;
import org.lcl.models.data.mmc4.Mmc4DocumentReader;
import org.lcl.models.data.mmc4.Mmc4Sample;
import org.lcl.models.data.mmc4.Mmc4SequenceBuilder;
import org.lcl.models.data.mmc4.Mmc4Shard;
import org.lcl.models.data.mmc4.Mmc4Shards;
import org.lcl.models.data.mmc4.Mmc4Stats;
import org.lcl.models.data.mmc4.Mmc4Stream;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.webdataset.Rng;

/** What {@code lcl data inspect} prints for an MMC4 ROOT. */
final class Mmc4Inspect {

    private static final Pattern PLACEHOLDERS = Pattern.compile("(?:<img_placehold>\\s*){2,}");

    private final Mmc4Config config;
    private final Tokenizer tokenizer;
    private final PrintStream out;

    Mmc4Inspect(Mmc4Config config, Tokenizer tokenizer, PrintStream out) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.out = out;
    }

    /**
     * Shards (per rank with --data-global-distributed), the epoch when a sample count is given,
     * the first {@code show} sequences worker 0 of rank 0 reads in epoch 0 with their images, and,
     * with count, every document read once: documents, sequences and skips by reason.
     */
    void run(int worldSize, int workers, int batchSize, Long trainNumSamples, int show, boolean count) {
        List<Mmc4Shard> shards = Mmc4Shards.discover(config.root());
        out.println("root:       " + config.root() + " (MMC4)");
        out.println("shards:     " + shards.size() + ": " + shards.get(0).name()
                + (shards.size() > 1 ? " ... " + shards.get(shards.size() - 1).name() : ""));
        if (worldSize > 1) {
            StringBuilder b = new StringBuilder();
            for (int r = 0; r < worldSize; r++) {
                int n = config.globalDistributed() ? Mmc4Shards.forRank(shards, r, worldSize).size() : shards.size();
                b.append(r == 0 ? "" : ", ").append("rank ").append(r).append(": ").append(n);
            }
            out.println("            " + (config.globalDistributed() ? "--data-global-distributed, " : "every rank reads all; ")
                    + b);
        }
        out.println("sequences:  context " + config.contextLength() + ", " + config.numImageTokens()
                + " tokens per image, at most " + config.maxImages() + " images, matched_sim >= " + config.minSimilarity());
        if (trainNumSamples != null) {
            out.println("epoch:      " + Mmc4BatchLoader.plan(config, trainNumSamples, batchSize, worldSize, workers));
        } else {
            out.println("epoch:      give --train-num-samples (documents per epoch; required to train on MMC4)");
        }
        Mmc4Stats stats = new Mmc4Stats();
        try (Mmc4Stream stream = new Mmc4Stream(config, tokenizer, stats, 0, worldSize, 0, 1, 0);
                ImageDecoder decoder = new ImageDecoder()) {
            for (int i = 0; i < show; i++) {
                Mmc4Sample s = stream.next();
                out.println();
                out.println("sample " + (i + 1) + ": " + s.source() + ", " + s.numImages() + " image(s), "
                        + tokenizer.specialTokens().unpaddedLength(s.ids()) + " tokens");
                for (int k = 0; k < s.numImages(); k++) {
                    out.println("  image " + (k + 1) + ": " + s.imageNames().get(k) + " " + s.imageBytes().get(k).length
                            + " bytes, " + describe(decoder, s.imageBytes().get(k)));
                }
                out.println("  text: " + compact(tokenizer.decode(s.ids())));
                out.println("  ids:  " + DataCommand.InspectCommand.runLength(s.ids()));
            }
        }
        out.println();
        out.println("skips:      " + stats.summary());
        if (count) {
            count();
        }
    }

    private static String describe(ImageDecoder decoder, byte[] bytes) {
        try {
            RgbImage img = decoder.decode(bytes);
            return "decodes to " + img.width() + "x" + img.height();
        } catch (ImageDecodeException e) {
            return "does not decode: " + e.getMessage();
        }
    }

    /** Runs of placeholders written as {@code <img_placehold>×n}. */
    static String compact(String text) {
        Matcher m = PLACEHOLDERS.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            int n = m.group().split("<img_placehold>", -1).length - 1;
            m.appendReplacement(b, Matcher.quoteReplacement("<img_placehold>×" + n + " "));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** Every document once, in shard order: built as training builds it, its images decoded. */
    private void count() {
        Mmc4Stats stats = new Mmc4Stats();
        Mmc4SequenceBuilder builder = new Mmc4SequenceBuilder(tokenizer, config.imagesDir(), config, stats);
        Rng rng = new Rng(Rng.mix(config.seed()));
        long sequences = 0;
        long images = 0;
        try (ImageDecoder decoder = new ImageDecoder()) {
            for (Mmc4Shard shard : Mmc4Shards.discover(config.root())) {
                try (Mmc4DocumentReader reader = new Mmc4DocumentReader(shard, stats)) {
                    while (reader.hasNext()) {
                        Mmc4Document d = reader.next();
                        Optional<Mmc4Sample> s = builder.build(d, rng);
                        if (s.isEmpty()) {
                            continue;
                        }
                        int decoded = 0;
                        for (int k = 0; k < s.get().numImages(); k++) {
                            try {
                                decoder.decode(s.get().imageBytes().get(k));
                                decoded++;
                            } catch (ImageDecodeException e) {
                                stats.undecodableImage(d.source(), s.get().imageNames().get(k), e.getMessage());
                            }
                        }
                        if (decoded == 0) {
                            stats.noDecodableImage();
                        } else {
                            sequences++;
                            images += decoded;
                        }
                    }
                }
            }
        }
        out.println();
        out.println("count:      " + stats.snapshot().documentsRead() + " documents, " + sequences + " usable sequences with "
                + images + " images");
        out.println("            " + stats.summary());
        out.println("            skipped: " + (stats.skipped().isEmpty() ? "none" : stats.skipped()));
    }
}
