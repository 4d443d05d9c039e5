package dev.jgpt.train.chart;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;

/**
 * Attention weights as a grid of heatmaps, one row of panels per layer and one column per head;
 * in each panel, row i (a query position, top to bottom) shows how much that position takes from
 * each position (the keys, left to right), from white (0) to dark blue (1), as the colour scale
 * under the grid shows.
 */
public final class AttentionGrid {

    private static final int MARGIN = 70; // per panel: title, tick labels
    private static final Color[] SCALE = {Color.WHITE, new Color(0x9ecae1), new Color(0x3182bd), new Color(0x08306b)};
    private static final int SCALE_HEIGHT = 46; // the colour scale's strip under the panels
    private static final int SCALE_WIDTH = 240;

    private final float[][][][] weights; // [layer][head][query][key]
    private final List<String> labels;
    private final int cell;

    /**
     * @param weights [layer][head][query][key], each query row a distribution over keys
     * @param labels one label per position
     */
    public AttentionGrid(float[][][][] weights, List<String> labels) {
        this.weights = weights;
        this.labels = List.copyOf(labels);
        int heads = weights[0].length;
        // Cells as large as readable, the whole grid within about 3,000 pixels across.
        this.cell = Math.max(8, Math.min(22, 3000 / (heads * Math.max(1, labels.size())) ));
    }

    public int width() {
        return weights[0].length * panelSize();
    }

    public int height() {
        return weights.length * panelSize() + SCALE_HEIGHT;
    }

    private int panelSize() {
        return labels.size() * cell + MARGIN;
    }

    /** Writes the grid to {@code file} (.png or .svg) at its natural size. */
    public void write(Path file) {
        ChartFile.write(file, width(), height(), this::paint);
    }

    private void paint(Graphics2D canvas, int width, int height) {
        int size = panelSize();
        for (int layer = 0; layer < weights.length; layer++) {
            for (int head = 0; head < weights[layer].length; head++) {
                Graphics2D panel = (Graphics2D) canvas.create(head * size, layer * size, size, size);
                try {
                    panel(layer, head, size).paint(panel, size, size);
                } finally {
                    panel.dispose();
                }
            }
        }
        canvas.setColor(Color.WHITE);
        canvas.fillRect(0, weights.length * size, width, SCALE_HEIGHT);
        paintScale(canvas, weights.length * size);
    }

    /**
     * The colour scale, 0 to 1, left to right, coloured as XChart colours a cell: evenly spaced
     * range colours, linearly interpolated between.
     */
    private void paintScale(Graphics2D canvas, int top) {
        int left = 20;
        int barTop = top + 6;
        int barHeight = 14;
        for (int x = 0; x < SCALE_WIDTH; x++) {
            double position = (double) x / (SCALE_WIDTH - 1) * (SCALE.length - 1);
            int lower = Math.min((int) position, SCALE.length - 2);
            double t = position - lower;
            Color a = SCALE[lower];
            Color b = SCALE[lower + 1];
            canvas.setColor(new Color((int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                    (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                    (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue()))));
            canvas.fillRect(left + x, barTop, 1, barHeight);
        }
        canvas.setColor(Color.GRAY);
        canvas.drawRect(left, barTop, SCALE_WIDTH - 1, barHeight);
        canvas.setColor(Color.BLACK);
        canvas.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int labelsY = barTop + barHeight + 14;
        canvas.drawString("0", left - 3, labelsY);
        canvas.drawString("0.5", left + SCALE_WIDTH / 2 - 8, labelsY);
        canvas.drawString("1", left + SCALE_WIDTH - 4, labelsY);
        canvas.drawString("attention weight (each query row sums to 1)", left + SCALE_WIDTH + 14, barTop + barHeight - 2);
    }

    private HeatMapChart panel(int layer, int head, int size) {
        int time = labels.size();
        HeatMapChart chart = new HeatMapChart(size, size, Styler.ChartTheme.XChart); // (w, h) alone leaves fonts unset
        chart.setTitle("layer " + (layer + 1) + ", head " + (head + 1));
        HeatMapStyler styler = chart.getStyler();
        styler.setLegendVisible(false);
        styler.setRangeColors(SCALE);
        styler.setMin(0);
        styler.setMax(1);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderVisible(false);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(8, Math.min(13, cell - 2))));
        styler.setAxisTitlesVisible(false);
        styler.setChartPadding(4);
        styler.setPlotMargin(0);
        styler.setXAxisTickMarkSpacingHint(cell);
        styler.setYAxisTickMarkSpacingHint(cell);
        List<Number[]> heat = new ArrayList<>(time * time);
        float[][] matrix = weights[layer][head];
        for (int query = 0; query < time; query++) {
            for (int key = 0; key < time; key++) {
                // y grows upward in a chart: the first query goes on the top row.
                heat.add(new Number[] {key, time - 1 - query, matrix[query][key]});
            }
        }
        List<String> upward = new ArrayList<>(labels);
        Collections.reverse(upward);
        chart.addSeries("attention", labels, upward, heat);
        return chart;
    }
}
