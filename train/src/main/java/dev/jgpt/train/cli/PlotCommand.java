package dev.jgpt.train.cli;

import dev.jgpt.train.chart.ChartFile;
import dev.jgpt.train.chart.LossChart;
import dev.jgpt.train.chart.RunMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgpt plot}: the loss curves of one or more runs, with their learning rates, to a PNG or SVG. */
@Command(
        name = "plot",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Draw the loss curves (step loss, train and val estimates), or the val bits per byte, and learning rate of runs.")
final class PlotCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run folders (or their metrics.csv files).")
    List<Path> runs;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The picture: FILE.png or FILE.svg.")
    Path out;

    @Option(names = "--title", description = "Title (default: the runs' names).")
    String title;

    @Option(names = "--width", description = "Width in pixels (default: ${DEFAULT-VALUE}).")
    int width = 1000;

    @Option(names = "--height", description = "Height in pixels (default: ${DEFAULT-VALUE}).")
    int height = 700;

    @Option(names = "--bpb", description = "Draw the val loss in bits per byte, which compares runs with different tokenizers, instead of the losses.")
    boolean bitsPerByte;

    @Option(names = "--y-scale", paramLabel = "auto|linear|log", description = "Loss axis; auto is log once the loss spans a factor of 3 (default: ${DEFAULT-VALUE}).")
    String yScale = "auto";

    @Override
    public Integer call() {
        ChartFile.checkFormat(out);
        LossChart.Scale scale = switch (yScale.toLowerCase(Locale.ROOT)) {
            case "auto" -> LossChart.Scale.AUTO;
            case "linear" -> LossChart.Scale.LINEAR;
            case "log" -> LossChart.Scale.LOG;
            default -> throw new IllegalArgumentException("--y-scale must be auto, linear or log, got " + yScale);
        };
        List<RunMetrics> metrics = runs.stream().map(RunMetrics::read).map(run -> bitsPerByte ? run.inBitsPerByte() : run).toList();
        String measure = bitsPerByte ? "val bits per byte" : "loss";
        String chartTitle = title != null ? title : measure + ": " + String.join(" vs ", metrics.stream().map(RunMetrics::name).toList());
        new LossChart(metrics, chartTitle, scale, measure).write(out, width, height);
        System.out.println("wrote " + out);
        return 0;
    }
}
