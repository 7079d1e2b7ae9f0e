package org.lcl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code scripts/lcl}. */
@Command(name = "lcl", mixinStandardHelpOptions = true, version = "lcl 0.1.0",
        description = "Latent Compression Learning on libtorch, from Java.",
        subcommands = {InfoCommand.class, ModelInfoCommand.class, DataCommand.class, TokenizeCommand.class, ExportCommand.class, TrainCommand.class, EvalCommand.class, CompareCommand.class, PlotCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /**
     * The command line {@code scripts/lcl} runs. A repeated option takes its last value, as
     * Python's argparse does, so a launcher's EXTRA_ARGS can override a recipe's flag.
     */
    static CommandLine commandLine() {
        return new CommandLine(new Main()).setOverwrittenOptionsAllowed(true);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
