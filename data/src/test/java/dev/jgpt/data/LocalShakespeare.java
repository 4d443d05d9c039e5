package dev.jgpt.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The copy of tiny Shakespeare in the shared/ folder beside the repository, which tests may read but never commit. */
final class LocalShakespeare {

    private static final Path FILE = Path.of("../../shared/data/tinyshakespeare.txt").toAbsolutePath().normalize();

    private LocalShakespeare() {}

    /** The local copy's path; skips the calling test when there is none. */
    static Path path() {
        assumeTrue(Files.exists(FILE), "skipped: no local copy of tiny Shakespeare at " + FILE);
        return FILE;
    }
}
