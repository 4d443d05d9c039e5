package dev.jgpt.train.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The command line in a process of its own, started with the test classpath, so that a test can
 * signal it, kill it, and read what it printed as it prints it.
 */
final class ChildJgpt implements AutoCloseable {

    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final StringBuffer err = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;

    private ChildJgpt(Process process) {
        this.process = process;
        outReader = new Thread(() -> drain(process.getInputStream(), true), "child-stdout");
        errReader = new Thread(() -> drain(process.getErrorStream(), false), "child-stderr");
        outReader.setDaemon(true);
        errReader.setDaemon(true);
        outReader.start();
        errReader.start();
    }

    static ChildJgpt start(Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"),
                Jgpt.class.getName()));
        command.addAll(List.of(TestPreparedDir.add(args)));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.environment().remove("JGPT_DEBUG");
        builder.environment().putAll(environment);
        return new ChildJgpt(builder.start());
    }

    private void drain(InputStream stream, boolean isOut) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (isOut) {
                    synchronized (out) {
                        out.add(line);
                        out.notifyAll();
                    }
                } else {
                    err.append(line).append('\n');
                }
            }
        } catch (IOException ignored) {
            // The process ended.
        }
    }

    /** Waits until a line of stdout matches; fails if the process ends first or the time runs out. */
    String awaitLine(Predicate<String> wanted, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        synchronized (out) {
            for (int seen = 0; ; ) {
                for (; seen < out.size(); seen++) {
                    if (wanted.test(out.get(seen))) {
                        return out.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && seen == out.size()) {
                    throw new AssertionError("no such line in time; exit " + (process.isAlive() ? "none yet" : process.exitValue())
                            + "\nstdout:\n" + String.join("\n", out) + "\nstderr:\n" + err);
                }
                out.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** Sends a signal ("INT", "TERM") with the system's kill command. */
    void signal(String name) throws IOException, InterruptedException {
        int code = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        if (code != 0) {
            throw new AssertionError("kill -" + name + " failed with " + code);
        }
    }

    /** Waits for the exit code; fails after the timeout. */
    int waitFor(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new AssertionError("still running after " + timeoutSeconds + " s\nstdout:\n" + out() + "\nstderr:\n" + err);
        }
        outReader.join(5000); // the rest of what it printed
        errReader.join(5000);
        return process.exitValue();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    String out() {
        synchronized (out) {
            return String.join("\n", out) + "\n";
        }
    }

    String err() {
        return err.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
