package dev.jgpt.train.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder replaced below. */
@Command(name = "info")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
