package dev.jgpt.train.cli;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM during {@code jgpt train}. The JVM's own handler would run the
 * shutdown hooks and exit at once, losing every step since the last checkpoint; this one only
 * records the signal, and the training loop stops after its current step and saves. A second
 * signal ends the process at once: saves are atomic, so the previous checkpoint stays loadable.
 * Closing puts the previous handlers back.
 */
final class Interrupts implements AutoCloseable {

    private final PrintStream err;
    private final Map<Signal, SignalHandler> previous = new HashMap<>();
    private volatile Signal received;

    private Interrupts(PrintStream err) {
        this.err = err;
    }

    /** Handles SIGINT and SIGTERM until closed. */
    static Interrupts install(PrintStream err) {
        Interrupts interrupts = new Interrupts(err);
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal signal = new Signal(name);
                interrupts.previous.put(signal, Signal.handle(signal, interrupts::handle));
            } catch (IllegalArgumentException unavailable) {
                // This platform or JVM (-Xrs) does not let us handle it; the default stays.
            }
        }
        return interrupts;
    }

    private void handle(Signal signal) {
        if (received != null) {
            err.println("jgpt: SIG" + signal.getName() + " again: stopping now; the last complete checkpoint stays loadable");
            err.flush();
            Runtime.getRuntime().halt(exitCode(signal));
        }
        received = signal;
        err.println("jgpt: SIG" + signal.getName() + ": saving a checkpoint after the current step (send it again to stop at once)");
        err.flush();
    }

    /** Whether a signal came. */
    boolean requested() {
        return received != null;
    }

    /** "SIGINT" or "SIGTERM", once one came. */
    String signalName() {
        return "SIG" + received.getName();
    }

    /** 128 + the signal's number, as a shell reports a process the signal ended: 130 or 143. */
    int exitCode() {
        return exitCode(received);
    }

    private static int exitCode(Signal signal) {
        return 128 + signal.getNumber();
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
