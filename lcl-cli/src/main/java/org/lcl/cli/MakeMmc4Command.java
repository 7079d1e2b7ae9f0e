package org.lcl.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.lcl.models.data.mmc4.Mmc4Exception;
import org.lcl.models.data.mmc4.Mmc4Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lcl data make-mmc4}: a small MMC4-format corpus from real images, captions and sentences. */
@Command(name = "make-mmc4", mixinStandardHelpOptions = true,
        description = {"Write an MMC4-format corpus (ROOT/data/docs_shard_{i}_v2.jsonl.zip and ROOT/images/) for demos "
                + "and tests: documents of fortune sentences interleaved with image captions, each image matched to "
                + "its caption (matched_sim 0.24..0.40) or, for about a quarter, to another sentence below the 0.24 "
                + "threshold. Reproducible for a seed.",
                "Inputs: a folder of NAME.png beside NAME.txt (first line = caption), e.g. Debian's "
                + "tuxpaint-stamps-default, and a folder of fortune files, e.g. Debian's fortunes.",
                "Example: scripts/lcl data make-mmc4 --output data/mmc4-demo --num-shards 4 --docs-per-shard 100"})
final class MakeMmc4Command implements Callable<Integer> {

    @Option(names = "--stamps", defaultValue = "/usr/share/tuxpaint/stamps", paramLabel = "DIR",
            description = "image + caption folder, searched recursively (default: ${DEFAULT-VALUE})")
    Path stamps;

    @Option(names = "--fortunes", defaultValue = "/usr/share/games/fortunes", paramLabel = "DIR",
            description = "folder of fortune files (default: ${DEFAULT-VALUE})")
    Path fortunes;

    @Option(names = "--output", required = true, paramLabel = "ROOT", description = "corpus root (its data/ must hold no shard yet)")
    Path output;

    @Option(names = "--num-shards", defaultValue = "4", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int numShards;

    @Option(names = "--docs-per-shard", defaultValue = "100", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int docsPerShard;

    @Option(names = "--seed", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        if (numShards < 1 || docsPerShard < 1) {
            return DataCommand.fail(new IllegalArgumentException("--num-shards and --docs-per-shard must be positive"));
        }
        if (!Files.isDirectory(stamps)) {
            return DataCommand.fail(new IllegalArgumentException("image + caption folder not found: " + stamps
                    + " (Debian: apt-get install tuxpaint-stamps-default, or give --stamps)"));
        }
        if (!Files.isDirectory(fortunes)) {
            return DataCommand.fail(new IllegalArgumentException("fortunes folder not found: " + fortunes
                    + " (Debian: apt-get install fortunes, or give --fortunes)"));
        }
        Mmc4Generator.Result r;
        try {
            r = Mmc4Generator.generate(stamps, fortunes, output, numShards, docsPerShard, seed);
        } catch (IOException e) {
            return DataCommand.fail(new IOException("writing the corpus under " + output + " failed: " + e, e));
        } catch (Mmc4Exception | java.io.UncheckedIOException e) {
            return DataCommand.fail(e);
        }
        System.out.println("wrote " + r.documents() + " documents in " + r.shards() + " shards under "
                + output.resolve("data") + ", images in " + output.resolve("images"));
        System.out.println("image entries: " + r.images() + ", of which " + r.imagesBelowThreshold()
                + " below the 0.24 similarity threshold");
        System.out.println("train with: --dataset-type mmc4 --train-data " + output + " --train-num-samples " + r.documents());
        return 0;
    }
}
