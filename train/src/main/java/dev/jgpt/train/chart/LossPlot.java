package dev.jgpt.train.chart;

import dev.jgpt.train.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps {@code <run>/loss.png} current while a run trains: each evaluation redraws it from
 * the run's metrics.csv and replaces it atomically. A picture that cannot be drawn costs the run
 * one warning, never the training.
 */
public final class LossPlot implements TrainingListener {

    static final String FILE = "loss.png";
    static final int WIDTH = 1000;
    static final int HEIGHT = 700;

    private final Path runDir;
    private final PrintStream out;
    private boolean warned;

    public LossPlot(Path runDir, PrintStream out) {
        this.runDir = runDir;
        this.out = out;
    }

    /** Redraws loss.png from metrics.csv, which now holds the evaluation. */
    @Override
    public void evaluated(int iter, float trainLoss, float valLoss) {
        try {
            RunMetrics metrics = RunMetrics.read(runDir);
            if (metrics.isEmpty()) {
                return;
            }
            new LossChart(List.of(metrics), "loss: " + metrics.name(), LossChart.Scale.AUTO, "loss")
                    .write(runDir.resolve(FILE), WIDTH, HEIGHT);
        } catch (RuntimeException | LinkageError e) { // LinkageError: no AWT on a stripped-down JRE
            if (!warned) {
                out.println("warning: cannot draw " + runDir.resolve(FILE) + " (" + e + "); training goes on without it");
                warned = true;
            }
        }
    }
}
