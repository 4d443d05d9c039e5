package dev.jgpt.train.cli;

import dev.jgpt.data.CorpusException;
import dev.jgpt.train.DivergedException;
import dev.jgpt.train.store.CheckpointException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The jgpt command line: train, sample, eval, bench, and the pictures and facts of a run. */
@Command(
        name = "jgpt",
        mixinStandardHelpOptions = true,
        version = "jgpt 0.1.0",
        description = "Train and run small character-level GPT models.",
        subcommands = {
            TrainCommand.class, SampleCommand.class, EvalCommand.class, BenchCommand.class,
            PlotCommand.class, EmbeddingsCommand.class, AttentionCommand.class, InfoCommand.class,
            PrepareCommand.class, ExportCommand.class, ImportCommand.class, TokenizeCommand.class,
            CommandLine.HelpCommand.class})
public final class Jgpt implements Runnable {

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns the exit code: 0 on success, 1 on an error, 2 on a bad
     * flag, 130 or 143 when SIGINT or SIGTERM stopped training. Every error prints one line; with
     * JGPT_DEBUG=1 in the environment its stack trace follows.
     */
    public static int run(String... args) {
        boolean debug = "1".equals(System.getenv("JGPT_DEBUG"));
        CommandLine cli = new CommandLine(new Jgpt());
        BenchCommand.dropTrainingOnlyOptions(cli.getSubcommands().get("bench").getCommandSpec());
        // A --config file's values come first in the argument list; flags given after them win.
        cli.setOverwrittenOptionsAllowed(true);
        ConfigFile config;
        try {
            config = ConfigFile.expand(args, cli);
        } catch (IllegalArgumentException error) {
            return report(error, cli.getErr(), debug);
        }
        cli.setParameterExceptionHandler(
                (error, arguments) -> {
                    PrintWriter err = error.getCommandLine().getErr();
                    String fromFile = config.blame(error);
                    if (fromFile != null) {
                        err.println("jgpt: " + fromFile); // a bad file is a user error, not a bad flag
                        return 1;
                    }
                    err.println("jgpt: " + firstLine(error) + suggestion(error));
                    err.println("Run '" + invokedAs() + " " + subcommandName(error.getCommandLine()) + "--help' for the options.");
                    if (debug) {
                        error.printStackTrace(err);
                    }
                    return 2;
                });
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> report(error, commandLine.getErr(), debug));
        try {
            return cli.execute(config.arguments());
        } catch (RuntimeException | Error error) { // what picocli lets through: Errors, failures outside a command
            return report(error, cli.getErr(), debug);
        }
    }

    /**
     * Prints {@code error} as one line, "jgpt: reason", and with {@code debug} its stack trace too.
     * An error that is not the user's (a bug, a library failure) is named by its class as well.
     *
     * @return 1, the exit code of an error
     */
    static int report(Throwable error, PrintWriter err, boolean debug) {
        String line = error instanceof OutOfMemoryError
                ? String.format(Locale.ROOT, "out of memory: the Java heap's limit is %,d MB; give it more, e.g."
                        + " JGPT_JAVA_OPTS=-Xmx8g ./jgpt ...", Runtime.getRuntime().maxMemory() >> 20)
                : isUserError(error)
                ? firstLine(error)
                : error.getClass().getSimpleName() + ": " + firstLine(error) + (debug ? "" : " (JGPT_DEBUG=1 prints the stack trace)");
        err.println("jgpt: " + line);
        if (debug) {
            error.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    /** How the user ran jgpt, for commands they can paste: the launcher's name as typed ("./jgpt"), else "jgpt". */
    static String invokedAs() {
        return System.getProperty("jgpt.launcher", "jgpt");
    }

    /** "; did you mean train?" for a mistyped command or option: picocli's nearest one (its first suggestion), else "". */
    private static String suggestion(CommandLine.ParameterException error) {
        if (!(error instanceof CommandLine.UnmatchedArgumentException unmatched) || unmatched.getSuggestions().isEmpty()) {
            return "";
        }
        return "; did you mean " + unmatched.getSuggestions().get(0) + "?";
    }

    /** The first line of the message: libraries (Gson) add lines of advice that are not for users. */
    private static String firstLine(Throwable error) {
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message.strip().lines().findFirst().orElse("");
    }

    private static String subcommandName(CommandLine commandLine) {
        return commandLine.getParent() == null ? "" : commandLine.getCommandName() + " ";
    }

    /** Errors in what the user asked for: printed as one line, without a stack trace. */
    private static boolean isUserError(Throwable error) {
        return error instanceof CorpusException
                || error instanceof CheckpointException
                || error instanceof DivergedException
                || error instanceof IllegalArgumentException
                || error instanceof UncheckedIOException;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: train, sample, eval, bench, prepare, export, import, tokenize, plot, embeddings, attention or info");
    }
}
