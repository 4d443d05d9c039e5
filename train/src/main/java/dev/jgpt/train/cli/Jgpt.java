package dev.jgpt.train.cli;

import dev.jgpt.data.CorpusException;
import dev.jgpt.train.CheckpointException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The jgpt command line: train, sample and eval. */
@Command(
        name = "jgpt",
        mixinStandardHelpOptions = true,
        version = "jgpt 0.1.0",
        description = "Train and run small character-level GPT models.",
        subcommands = {TrainCommand.class, SampleCommand.class, EvalCommand.class, BenchCommand.class, ExportCommand.class, CommandLine.HelpCommand.class})
public final class Jgpt implements Runnable {

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code: 0 on success, 1 on a user error, 2 on a bad flag. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Jgpt());
        BenchCommand.dropTrainingOnlyOptions(cli.getSubcommands().get("bench").getCommandSpec());
        // A --config file's values come first in the argument list; flags given after them win.
        cli.setOverwrittenOptionsAllowed(true);
        ConfigFile config;
        try {
            config = ConfigFile.expand(args, cli);
        } catch (IllegalArgumentException error) {
            cli.getErr().println("jgpt: " + error.getMessage());
            return 1;
        }
        cli.setParameterExceptionHandler(
                (error, arguments) -> {
                    PrintWriter err = error.getCommandLine().getErr();
                    String fromFile = config.blame(error);
                    if (fromFile != null) {
                        err.println("jgpt: " + fromFile); // a bad file is a user error, not a bad flag
                        return 1;
                    }
                    err.println("jgpt: " + error.getMessage());
                    err.println("Run 'jgpt " + subcommandName(error.getCommandLine()) + "--help' for the options.");
                    return 2;
                });
        cli.setExecutionExceptionHandler(
                (error, commandLine, parseResult) -> {
                    if (!isUserError(error)) {
                        throw error;
                    }
                    commandLine.getErr().println("jgpt: " + error.getMessage());
                    return 1;
                });
        return cli.execute(config.arguments());
    }

    private static String subcommandName(CommandLine commandLine) {
        return commandLine.getParent() == null ? "" : commandLine.getCommandName() + " ";
    }

    /** Errors in what the user asked for: printed as one line, without a stack trace. */
    private static boolean isUserError(Exception error) {
        return error instanceof CorpusException
                || error instanceof CheckpointException
                || error instanceof IllegalArgumentException
                || error instanceof UncheckedIOException;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: train, sample, eval, bench or export");
    }
}
