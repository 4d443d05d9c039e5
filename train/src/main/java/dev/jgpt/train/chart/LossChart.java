package dev.jgpt.train.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The loss curves of one or more runs against iteration, one colour per run: the step losses
 * (raw points faint, an exponential moving average over them drawn solid), the evaluation
 * estimates of train (dashed) and val loss (thick, with markers), and the whole-split val loss
 * where a run has one; below, a small panel with each run's learning rate.
 */
public final class LossChart {

    /** How the loss axis is scaled; AUTO takes a log scale once the loss spans a factor of 3. */
    public enum Scale {
        AUTO,
        LINEAR,
        LOG
    }

    /** Tableau's ten colours: distinct, and readable on white. */
    static final Color[] RUN_COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };
    /** The smoothing weight of the step-loss curve, as TensorBoard's slider: light. */
    static final double SMOOTHING = 0.6;
    private static final double LOSS_PANEL = 0.78; // the rest of the height is the learning-rate panel

    private final List<RunMetrics> runs;
    private final String title;
    private final Scale scale;
    private final String yTitle;

    /** @param yTitle what the curves measure: "loss", or "val bits per byte" for {@link RunMetrics#inBitsPerByte} */
    public LossChart(List<RunMetrics> runs, String title, Scale scale, String yTitle) {
        if (runs.stream().allMatch(RunMetrics::isEmpty)) {
            throw new IllegalArgumentException("no " + yTitle + " recorded yet in " + String.join(", ", runs.stream().map(RunMetrics::name).toList()));
        }
        this.runs = List.copyOf(runs);
        this.title = title;
        this.scale = scale;
        this.yTitle = yTitle;
    }

    /** Writes the chart to {@code file} (.png or .svg). */
    public void write(Path file, int width, int height) {
        ChartFile.write(file, width, height, this::paint);
    }

    void paint(Graphics2D canvas, int width, int height) {
        int lossHeight = (int) Math.round(height * LOSS_PANEL);
        int lrHeight = height - lossHeight;
        XYChart loss = lossChart(width, lossHeight);
        XYChart lr = lrChart(width, lrHeight);
        // Lay both out once off screen, then give both the wider left axis, so that iterations line up.
        Graphics2D scratch = ChartFile.image(1, 1, (g, w, h) -> {}).createGraphics();
        loss.paint(scratch, width, lossHeight);
        lr.paint(scratch, width, lrHeight);
        int axisWidth = (int) Math.ceil(Math.max(loss.getYAxisLeftWidth(), lr.getYAxisLeftWidth()));
        loss.getStyler().setYAxisLeftWidthHint(axisWidth);
        lr.getStyler().setYAxisLeftWidthHint(axisWidth);
        loss.paint(scratch, width, lossHeight); // the final layout, which places the log axis's labels
        scratch.dispose();
        if (logScale()) {
            paintLogGrid(canvas, loss);
        }
        loss.paint(canvas, width, lossHeight);
        if (logScale()) {
            paintLogLabels(canvas, loss);
        }
        Graphics2D below = (Graphics2D) canvas.create(0, lossHeight, width, lrHeight);
        try {
            lr.paint(below, width, lrHeight);
        } finally {
            below.dispose();
        }
    }

    /** The loss axis's labels: XChart's own on a linear axis, {@link LogTicks} on a log one. */
    List<String> lossAxisLabels() {
        return logScale() ? logTicks().stream().map(LogTicks::label).toList() : List.of();
    }

    private List<BigDecimal> logTicks() {
        double[] range = logAxisRange();
        return LogTicks.between(range[0], range[1]);
    }

    /** The loss range with a little room above and below, so that no curve runs along the frame. */
    private double[] logAxisRange() {
        double[] range = lossRange();
        return new double[] {range[0] / 1.04, range[1] * 1.04};
    }

    /** Grid lines at the log axis's ticks, under the curves (the chart's background is transparent there). */
    private void paintLogGrid(Graphics2D canvas, XYChart loss) {
        XYStyler styler = loss.getStyler();
        double left = loss.getScreenXFromChart(styler.getXAxisMin());
        double right = loss.getScreenXFromChart(styler.getXAxisMax());
        Graphics2D g = (Graphics2D) canvas.create();
        try {
            g.setColor(styler.getPlotGridLinesColor());
            g.setStroke(styler.getPlotGridLinesStroke());
            for (BigDecimal tick : logTicks()) {
                double y = loss.getScreenYFromChart(tick.doubleValue());
                g.draw(new Line2D.Double(left, y, right, y));
            }
        } finally {
            g.dispose();
        }
    }

    /** The log axis's labels, right-aligned against the plot, each centred on its grid line. */
    private void paintLogLabels(Graphics2D canvas, XYChart loss) {
        XYStyler styler = loss.getStyler();
        double left = loss.getScreenXFromChart(styler.getXAxisMin());
        Graphics2D g = (Graphics2D) canvas.create();
        try {
            g.setFont(styler.getAxisTickLabelsFont());
            g.setColor(Color.DARK_GRAY);
            FontMetrics metrics = g.getFontMetrics();
            for (BigDecimal tick : logTicks()) {
                String label = LogTicks.label(tick);
                double y = loss.getScreenYFromChart(tick.doubleValue());
                float x = (float) (left - styler.getAxisTickPadding() - metrics.stringWidth(label));
                g.drawString(label, x, (float) (y + (metrics.getAscent() - metrics.getDescent()) / 2.0));
            }
        } finally {
            g.dispose();
        }
    }

    private XYChart lossChart(int width, int height) {
        XYChart chart = new XYChart(width, height);
        chart.setTitle(title);
        chart.setYAxisTitle(yTitle);
        XYStyler styler = style(chart);
        // One run's losses fall away from the top right corner; several runs' legend would cover their curves there.
        styler.setLegendPosition(runs.size() > 1 ? Styler.LegendPosition.OutsideE : Styler.LegendPosition.InsideNE);
        styler.setLegendBackgroundColor(new Color(255, 255, 255, 210));
        styler.setYAxisDecimalPattern("0.0#");
        if (logScale()) {
            // XChart labels a log axis at whole decades only; LossChart draws LogTicks' labels and grid instead.
            double[] range = logAxisRange();
            styler.setYAxisLogarithmic(true);
            styler.setYAxisMin(range[0]);
            styler.setYAxisMax(range[1]);
            styler.setYAxisTickLabelsColor(new Color(0, 0, 0, 0));
            styler.setPlotGridHorizontalLinesVisible(false);
            styler.setChartBackgroundColor(new Color(0, 0, 0, 0));
            styler.setPlotBackgroundColor(new Color(0, 0, 0, 0));
        }
        for (int r = 0; r < runs.size(); r++) {
            RunMetrics run = runs.get(r);
            Color color = RUN_COLORS[r % RUN_COLORS.length];
            String name = legendName(run, r);
            RunMetrics.Series steps = run.stepLoss();
            if (!steps.isEmpty()) {
                XYSeries raw = chart.addSeries(name + " step loss (raw)", steps.iters(), steps.values());
                raw.setMarker(SeriesMarkers.NONE);
                raw.setLineColor(faint(color));
                raw.setLineStyle(new BasicStroke(1f));
                raw.setShowInLegend(false);
                XYSeries smooth = chart.addSeries(name + " step loss", steps.iters(), smoothed(steps.values(), SMOOTHING));
                smooth.setMarker(SeriesMarkers.NONE);
                smooth.setLineColor(color);
                smooth.setLineStyle(new BasicStroke(1.5f));
            }
            if (!run.trainLoss().isEmpty()) {
                XYSeries train = chart.addSeries(name + " train (eval)", run.trainLoss().iters(), run.trainLoss().values());
                train.setMarker(SeriesMarkers.CIRCLE);
                train.setMarkerColor(color);
                train.setLineColor(color);
                train.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
            }
            if (!run.valLoss().isEmpty()) {
                XYSeries val = chart.addSeries(name + " val (eval)", run.valLoss().iters(), run.valLoss().values());
                val.setMarker(SeriesMarkers.DIAMOND);
                val.setMarkerColor(color);
                val.setLineColor(color);
                val.setLineStyle(new BasicStroke(2.5f));
            }
            if (!run.valLossFull().isEmpty()) {
                XYSeries full = chart.addSeries(name + " val (whole split)", run.valLossFull().iters(), run.valLossFull().values());
                full.setMarker(SeriesMarkers.SQUARE);
                full.setMarkerColor(color.darker());
                full.setLineStyle(new BasicStroke(0f));
                full.setLineColor(new Color(0, 0, 0, 0));
            }
        }
        return chart;
    }

    private XYChart lrChart(int width, int height) {
        XYChart chart = new XYChart(width, height);
        chart.setXAxisTitle("iteration");
        chart.setYAxisTitle("lr");
        style(chart);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartTitleVisible(false);
        chart.setCustomYAxisTickLabelsFormatter(LossChart::scientific);
        for (int r = 0; r < runs.size(); r++) {
            RunMetrics.Series lr = runs.get(r).lr();
            if (lr.isEmpty()) {
                continue;
            }
            XYSeries series = chart.addSeries(legendName(runs.get(r), r) + " lr", lr.iters(), lr.values());
            series.setMarker(SeriesMarkers.NONE);
            series.setLineColor(RUN_COLORS[r % RUN_COLORS.length]);
            series.setLineStyle(new BasicStroke(1.5f));
        }
        if (chart.getSeriesMap().isEmpty()) { // XChart draws no axes without a series
            chart.addSeries("none", new double[] {0}, new double[] {0}).setShowInLegend(false);
        }
        return chart;
    }

    /** The common look; both panels share the x range so that iterations line up. */
    private XYStyler style(XYChart chart) {
        XYStyler styler = ChartLook.apply(chart.getStyler(), new Color(225, 225, 225), Color.DARK_GRAY);
        styler.setPlotBorderVisible(false);
        styler.setXAxisMin(0.0);
        styler.setXAxisMax((double) Math.max(1, lastIteration()));
        styler.setXAxisDecimalPattern("#,##0");
        styler.setYAxisTitleVisible(true);
        styler.setAntiAlias(true);
        return styler;
    }

    private int lastIteration() {
        int last = 0;
        for (RunMetrics run : runs) {
            for (RunMetrics.Series series : List.of(run.stepLoss(), run.trainLoss(), run.valLoss(), run.lr())) {
                if (!series.isEmpty()) {
                    last = Math.max(last, series.iters().get(series.size() - 1));
                }
            }
        }
        return last;
    }

    private boolean logScale() {
        if (scale != Scale.AUTO) {
            return scale == Scale.LOG;
        }
        double[] range = lossRange();
        return range[0] > 0 && range[1] / range[0] >= 3;
    }

    /** The smallest and largest loss of every run. */
    private double[] lossRange() {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (RunMetrics run : runs) {
            for (RunMetrics.Series series : List.of(run.stepLoss(), run.trainLoss(), run.valLoss(), run.valLossFull())) {
                for (double value : series.values()) {
                    min = Math.min(min, value);
                    max = Math.max(max, value);
                }
            }
        }
        return new double[] {min, max};
    }

    /** The run's name, numbered when two runs share one. */
    private String legendName(RunMetrics run, int index) {
        long same = runs.stream().filter(other -> other.name().equals(run.name())).count();
        return same > 1 ? String.format(Locale.ROOT, "%s (%d)", run.name(), index + 1) : run.name();
    }

    /** A learning rate as a person writes it: 6e-4, 1.5e-3, 0. */
    static String scientific(double value) {
        if (value == 0) {
            return "0";
        }
        String[] parts = String.format(Locale.ROOT, "%.1e", value).split("e");
        String mantissa = parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
        return mantissa + "e" + Integer.parseInt(parts[1]);
    }

    private static Color faint(Color color) {
        return new Color(color.getRed(), color.getGreen(), color.getBlue(), 60);
    }

    /** TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled to 0. */
    static List<Double> smoothed(List<Double> values, double weight) {
        List<Double> out = new ArrayList<>(values.size());
        double average = 0;
        double norm = 0;
        for (double value : values) {
            average = average * weight + (1 - weight) * value;
            norm = norm * weight + (1 - weight);
            out.add(average / norm);
        }
        return out;
    }
}
