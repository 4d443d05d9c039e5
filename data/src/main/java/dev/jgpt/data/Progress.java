package dev.jgpt.data;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of preparing a corpus: bytes done of total, MB/s and time left, on one line rewritten in
 * place on a terminal and as a plain line every few seconds otherwise. Nothing is shown for work
 * that ends within a second.
 */
public final class Progress {

    /** Shows nothing. */
    public static final Progress SILENT = new Progress(null, false, "");

    private static final long FIRST_NANOS = 1_000_000_000L;
    private static final long TERMINAL_PERIOD_NANOS = 250_000_000L;
    private static final long LOG_PERIOD_NANOS = 10_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final String what;
    private long total;
    private long done;
    private long start;
    private long lastShown;
    private boolean shown;
    private int shownLength;

    private Progress(PrintStream out, boolean terminal, String what) {
        this.out = out;
        this.terminal = terminal;
        this.what = what;
    }

    /**
     * Progress shown on {@code out}.
     *
     * @param terminal whether {@code out} is a terminal, where one line is rewritten in place
     */
    public static Progress to(PrintStream out, boolean terminal) {
        return new Progress(out, terminal, "");
    }

    /** A fresh progress, on the same output, of a task called {@code what} of {@code total} bytes. */
    Progress start(String what, long total) {
        Progress task = new Progress(out, terminal, what);
        task.total = total;
        task.start = System.nanoTime();
        task.lastShown = task.start;
        return task;
    }

    /** Counts {@code bytes} more as done, and shows the line when it is time to. */
    void advance(long bytes) {
        done += bytes;
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        long period = !shown ? FIRST_NANOS : terminal ? TERMINAL_PERIOD_NANOS : LOG_PERIOD_NANOS;
        if (now - lastShown >= period) {
            lastShown = now;
            shown = true;
            String line = line(now);
            shownLength = line.length();
            if (terminal) {
                out.print("\r" + line);
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    /** Replaces the progress line, if one was shown, with {@code summary}; quick work shows nothing. */
    void finish(String summary) {
        if (out == null || !shown) {
            return;
        }
        // On a terminal the summary overwrites the progress line, padded to hide what is left of it.
        out.println(terminal ? "\r" + String.format("%-" + shownLength + "s", summary) : summary);
    }

    /** Prints {@code line} whatever the task's length: what the user must hear of (unless silent). */
    void note(String line) {
        if (out != null) {
            out.println(line);
        }
    }

    /** Seconds since {@link #start}. */
    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private String line(long now) {
        double seconds = (now - start) / 1e9;
        double bytesPerSecond = done / Math.max(seconds, 1e-9);
        long left = (long) Math.ceil((total - done) / Math.max(bytesPerSecond, 1));
        return String.format(Locale.ROOT, "%s: %,.0f of %,.0f MB (%d%%), %.0f MB/s, %d:%02d left",
                what, done / 1e6, total / 1e6, total == 0 ? 100 : done * 100 / total, bytesPerSecond / 1e6,
                left / 60, left % 60);
    }
}
