package dev.jgpt.train.cli;

import picocli.CommandLine.Option;

/** {@code --device}, shared by every command that runs a model. */
final class DeviceOption {

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", description = "Where to run (default: ${DEFAULT-VALUE}).")
    String name = "cpu";
}
