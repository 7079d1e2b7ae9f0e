package org.lcl.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.lcl.models.demo.CaptionedFashionMnist;
import org.lcl.models.eval.data.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lcl data fashion-mnist}: Fashion-MNIST as captioned PNG files (the input of make-shards and make-mmc4). */
@Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
        description = "Write a class-balanced subset of a Fashion-MNIST split (Debian package dataset-fashion-mnist) as "
                + "NAME.png + NAME.txt pairs, the caption made from the class name (e.g. 'a picture of a Sneaker').")
final class ExportFashionMnistCommand implements Callable<Integer> {

    @Option(names = "--split", defaultValue = "train", paramLabel = "train|test", description = "(default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--per-class", defaultValue = "600", paramLabel = "N", description = "images per class (default: ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--fashion-mnist-dir", paramLabel = "DIR", description = "folder of the idx files (default: /usr/share/datasets/fashion-mnist)")
    Path dir = FashionMnist.DEFAULT_DIR;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "folder to write")
    Path output;

    @Override
    public Integer call() {
        try {
            FashionMnist.Split s = switch (split.toLowerCase(Locale.ROOT)) {
                case "train" -> FashionMnist.Split.TRAIN;
                case "test" -> FashionMnist.Split.TEST;
                default -> throw new IllegalArgumentException("--split must be train or test, got " + split);
            };
            if (perClass < 1) {
                throw new IllegalArgumentException("--per-class must be at least 1, got " + perClass);
            }
            int n = CaptionedFashionMnist.write(FashionMnist.load(dir, s), perClass, seed, output);
            System.out.println("wrote " + n + " captioned images to " + output);
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            return DataCommand.fail(e);
        }
    }
}
