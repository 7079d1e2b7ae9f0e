package org.lcl.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.lcl.models.train.log.LossPlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lcl plot}: the loss-curve PNG of a run, on demand (also while it trains). */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Render a run's loss curves and learning rate as a PNG from its metrics.jsonl (lcl train writes "
                + "LOGS/NAME/loss.png at the end; this draws it at any time, e.g. during training).")
final class PlotCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "DIR", description = "the run folder LOGS/NAME (reads metrics.jsonl, writes loss.png there)")
    Path run;

    @Option(names = "--metrics", paramLabel = "FILE", description = "a metrics.jsonl (instead of --run)")
    Path metrics;

    @Option(names = "--output", paramLabel = "FILE", description = "the PNG to write (default: loss.png beside the metrics)")
    Path output;

    @Override
    public Integer call() {
        if ((run == null) == (metrics == null)) {
            System.err.println("error: give exactly one of --run DIR and --metrics FILE");
            return 2;
        }
        Path in = metrics != null ? metrics : run.resolve("metrics.jsonl");
        Path out = output != null ? output : in.toAbsolutePath().getParent().resolve("loss.png");
        try {
            LossPlot.render(in, out);
            System.out.println("wrote " + out);
            return 0;
        } catch (IOException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }
}
