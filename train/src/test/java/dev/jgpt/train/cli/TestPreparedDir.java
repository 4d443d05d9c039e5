package dev.jgpt.train.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A temporary folder for the prepared corpora of the command lines tests run, so that no test
 * writes into the default {@code prepared/} of the working directory; removed when the JVM exits.
 */
final class TestPreparedDir {

    private static final Set<String> COMMANDS_THAT_PREPARE = Set.of("train", "bench", "prepare", "eval");
    private static final Path DIR = create();

    private TestPreparedDir() {}

    /** {@code args} with {@code --prepared-dir} set to the temporary folder where the command takes it and the test did not set it. */
    static String[] add(String... args) {
        List<String> list = new ArrayList<>(List.of(args));
        if (list.isEmpty() || !COMMANDS_THAT_PREPARE.contains(list.get(0)) || list.contains("--prepared-dir")
                || list.contains("--help") || list.contains("-h")) {
            return args;
        }
        list.add("--prepared-dir");
        list.add(DIR.toString());
        return list.toArray(String[]::new);
    }

    private static Path create() {
        try {
            Path dir = Files.createTempDirectory("jgpt-test-prepared-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // the system's temporary folder is cleared in time
        }
    }
}
