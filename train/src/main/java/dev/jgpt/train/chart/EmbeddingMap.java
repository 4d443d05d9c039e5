package dev.jgpt.train.chart;

import dev.jgpt.train.inspect.Pca;
import dev.jgpt.train.inspect.TokenVectors;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The token embedding as a labelled 2-D map: each token's row projected on the first two principal
 * components, a dot coloured by the kind of character and its label beside it. Rows of zeros (the
 * padding row, never trained) are left out of the projection, which they would pull toward the
 * origin, and named in a note instead.
 */
public final class EmbeddingMap {

    /** What a token is, for its colour. */
    enum Kind {
        VOWEL("vowels a e i o u", new Color(0xd62728)),
        CONSONANT("other lower case", new Color(0x1f77b4)),
        CAPITAL("capitals", new Color(0x2ca02c)),
        DIGIT("digits", new Color(0xff7f0e)),
        PUNCTUATION("punctuation, symbols", new Color(0x9467bd)),
        WHITESPACE("whitespace, invisible", new Color(0x17becf)),
        RESERVED("reserved tokens", new Color(0x7f7f7f));

        final String legend;
        final Color color;

        Kind(String legend, Color color) {
            this.legend = legend;
            this.color = color;
        }

        static Kind of(String token) {
            if (token.codePointCount(0, token.length()) != 1) {
                return RESERVED;
            }
            int c = token.codePointAt(0);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                return WHITESPACE;
            }
            if ("aeiou".indexOf(c) >= 0) {
                return VOWEL;
            }
            if (Character.isUpperCase(c) || Character.isTitleCase(c)) {
                return CAPITAL;
            }
            if (Character.isLetter(c)) {
                return CONSONANT;
            }
            return Character.isDigit(c) ? DIGIT : PUNCTUATION;
        }
    }

    private final TokenVectors vectors;
    private final String title;

    public EmbeddingMap(TokenVectors vectors, String title) {
        this.vectors = vectors;
        this.title = title;
    }

    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final int MARKER_SIZE = 7;
    private static final Color LEADER_COLOR = new Color(150, 150, 150);

    /** Writes the map to {@code file} (.png or .svg). */
    public void write(Path file, int width, int height) {
        // The chart is built inside the picture, after ChartFile has set up headless drawing.
        ChartFile.write(file, width, height, this::paint);
    }

    /** Paints the map: XChart draws the dots and axes, then each label goes where it covers no other. */
    List<LabelPlacer.Placement> paint(Graphics2D canvas, int width, int height) {
        List<String> labels = new ArrayList<>();
        List<double[]> coordinates = new ArrayList<>();
        XYChart chart = chart(width, height, labels, coordinates);
        chart.paint(canvas, width, height);
        XYStyler styler = chart.getStyler();
        Rectangle2D plot = new Rectangle2D.Double(
                chart.getScreenXFromChart(styler.getXAxisMin()),
                chart.getScreenYFromChart(styler.getYAxisMax()),
                chart.getScreenXFromChart(styler.getXAxisMax()) - chart.getScreenXFromChart(styler.getXAxisMin()),
                chart.getScreenYFromChart(styler.getYAxisMin()) - chart.getScreenYFromChart(styler.getYAxisMax()));
        List<Point2D> points = coordinates.stream()
                .map(point -> (Point2D) new Point2D.Double(chart.getScreenXFromChart(point[0]), chart.getScreenYFromChart(point[1])))
                .toList();
        Graphics2D g = (Graphics2D) canvas.create();
        try {
            g.setFont(LABEL_FONT);
            FontMetrics metrics = g.getFontMetrics();
            double[] widths = labels.stream().mapToDouble(metrics::stringWidth).toArray();
            List<LabelPlacer.Placement> placements = LabelPlacer.place(points, widths, metrics.getAscent() + metrics.getDescent(), MARKER_SIZE / 2.0, plot);
            // Leader lines first, so that no line strikes through a label drawn after it.
            g.setColor(LEADER_COLOR);
            g.setStroke(new BasicStroke(0.8f));
            for (int i = 0; i < labels.size(); i++) {
                if (placements.get(i).away()) {
                    g.draw(new Line2D.Double(points.get(i), placements.get(i).nearest(points.get(i))));
                }
            }
            g.setColor(Color.BLACK);
            for (int i = 0; i < labels.size(); i++) {
                Rectangle2D box = placements.get(i).box();
                g.drawString(labels.get(i), (float) box.getMinX(), (float) (box.getMinY() + metrics.getAscent()));
            }
            return placements;
        } finally {
            g.dispose();
        }
    }

    /** The chart without its labels; fills {@code labels} and {@code coordinates} with each placed token's. */
    private XYChart chart(int width, int height, List<String> labels, List<double[]> coordinates) {
        List<Integer> placed = new ArrayList<>();
        List<Integer> zero = new ArrayList<>();
        for (int id = 0; id < vectors.size(); id++) {
            (vectors.isZero(id) ? zero : placed).add(id);
        }
        if (placed.size() < 3) {
            throw new IllegalArgumentException("a map needs at least 3 tokens with non-zero rows, the model has " + placed.size());
        }
        float[][] rows = new float[placed.size()][];
        for (int i = 0; i < placed.size(); i++) {
            rows[i] = vectors.rows()[placed.get(i)];
        }
        Pca pca = Pca.of(rows, 2);

        XYChart chart = new XYChart(width, height);
        chart.setTitle(title);
        chart.setXAxisTitle(String.format(Locale.ROOT, "principal component 1 (%.0f%% of the variance)", 100 * pca.explained()[0]));
        chart.setYAxisTitle(String.format(Locale.ROOT, "principal component 2 (%.0f%%)", 100 * pca.explained()[1]));
        XYStyler styler = ChartLook.apply(chart.getStyler(), new Color(235, 235, 235), Color.GRAY);
        styler.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setMarkerSize(MARKER_SIZE);
        styler.setAnnotationTextFont(LABEL_FONT);
        styler.setAnnotationTextFontColor(Color.BLACK);
        styler.setXAxisDecimalPattern("0.0");
        styler.setYAxisDecimalPattern("0.0");

        Map<Kind, List<double[]>> byKind = new EnumMap<>(Kind.class);
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < placed.size(); i++) {
            double[] point = pca.coordinates()[i];
            byKind.computeIfAbsent(Kind.of(vectors.vocabulary().token(placed.get(i))), kind -> new ArrayList<>()).add(point);
            minX = Math.min(minX, point[0]);
            maxX = Math.max(maxX, point[0]);
            minY = Math.min(minY, point[1]);
            maxY = Math.max(maxY, point[1]);
        }
        // Room around the outermost points for their labels.
        double padX = (maxX - minX) * 0.06 + 1e-6;
        double padY = (maxY - minY) * 0.06 + 1e-6;
        styler.setXAxisMin(minX - padX);
        styler.setXAxisMax(maxX + padX);
        styler.setYAxisMin(minY - padY);
        styler.setYAxisMax(maxY + padY);
        for (Map.Entry<Kind, List<double[]>> entry : byKind.entrySet()) {
            List<double[]> points = entry.getValue();
            XYSeries series = chart.addSeries(
                    entry.getKey().legend,
                    points.stream().mapToDouble(point -> point[0]).toArray(),
                    points.stream().mapToDouble(point -> point[1]).toArray());
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setMarkerColor(entry.getKey().color);
        }
        for (int i = 0; i < placed.size(); i++) {
            labels.add(vectors.label(placed.get(i)));
            coordinates.add(pca.coordinates()[i]);
        }
        if (!zero.isEmpty()) {
            String names = String.join(", ", zero.stream().map(vectors::label).toList());
            chart.addAnnotation(new AnnotationText(
                    names + (zero.size() == 1 ? ": a row of zeros" : ": rows of zeros") + " (never trained), not placed",
                    width * 0.3, height - 62, true));
        }
        return chart;
    }
}
