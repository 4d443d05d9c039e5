package dev.jgpt.train.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgpt.data.Vocabulary;
import dev.jgpt.train.inspect.TokenVectors;
import java.awt.Graphics2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A log-scale loss axis reads at several values; labels on the embedding map never overlap. */
class ReadableChartsTest {

    @TempDir Path dir;

    private static List<String> labels(double low, double high) {
        return LogTicks.between(low, high).stream().map(LogTicks::label).toList();
    }

    @Test
    void logTicksAreOneTwoFiveValuesASpanCanBeReadAt() {
        assertEquals(List.of("0.3", "0.5", "1", "2", "3"), labels(0.3, 4)); // XChart showed "1.0" alone here
        assertEquals(List.of("0.01", "0.1", "1", "10", "100"), labels(0.01, 100));
        assertEquals(List.of("2", "5", "10", "20"), labels(1.5, 25));
        assertEquals(List.of("1.5", "2", "2.5", "3", "3.5", "4"), labels(1.3, 4.3)); // inside a decade: even steps
        assertEquals(List.of("1.86", "1.87", "1.88", "1.89", "1.9"), labels(1.855, 1.905));
    }

    @Test
    void everyRangeGetsAtLeastFourTicksInsideIt() {
        Random random = new Random(18);
        for (int trial = 0; trial < 2000; trial++) {
            double low = Math.exp(random.nextGaussian() * 3);
            double high = low * Math.exp(random.nextDouble() * random.nextDouble() * 12) + 1e-9;
            List<BigDecimal> ticks = LogTicks.between(low, high);
            assertTrue(ticks.size() >= LogTicks.FEWEST && ticks.size() <= 12, low + " to " + high + ": " + ticks);
            for (int i = 0; i < ticks.size(); i++) {
                double value = ticks.get(i).doubleValue();
                assertTrue(value >= low * (1 - 1e-9) && value <= high * (1 + 1e-9), value + " outside " + low + " to " + high);
                assertTrue(i == 0 || value > ticks.get(i - 1).doubleValue(), "not ascending: " + ticks);
                assertFalse(LogTicks.label(ticks.get(i)).contains("E"), "exponent in " + ticks.get(i));
            }
        }
    }

    @Test
    void aLogLossChartIsLabelledAtSeveralValues() throws IOException {
        StringBuilder csv = new StringBuilder("iter,lr,loss,train_loss,val_loss,val_loss_full,ms_per_iter,tokens_per_s\n");
        for (int iter = 0; iter <= 400; iter += 10) {
            double loss = 0.3 + 3.7 * Math.exp(-iter / 60.0);
            csv.append(iter).append(",1e-3,").append(loss).append(iter % 100 == 0 ? "," + loss + "," + (loss + 0.02) : ",,").append(",,20,30000\n");
        }
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.csv"), csv);
        LossChart chart = new LossChart(List.of(RunMetrics.read(run)), "falling", LossChart.Scale.AUTO, "loss");
        List<String> labels = chart.lossAxisLabels();
        assertTrue(labels.size() >= 4, "labels: " + labels);
        assertTrue(labels.containsAll(List.of("0.5", "1", "2")), "labels: " + labels);
        chart.write(dir.resolve("loss.png"), 1000, 700);
        Pictures.assertPng(dir.resolve("loss.png"), 1000, 700, 20);
    }

    @Test
    void placedLabelsNeverOverlapEachOtherOrADot() {
        Random random = new Random(7);
        List<Point2D> points = new ArrayList<>();
        double[] widths = new double[60];
        for (int i = 0; i < widths.length; i++) {
            // Most in a 20-pixel crowd, a few at the edge of the plot.
            points.add(i % 10 == 0
                    ? new Point2D.Double(random.nextDouble() * 600, random.nextBoolean() ? 2 : 398)
                    : new Point2D.Double(300 + random.nextDouble() * 20, 200 + random.nextDouble() * 20));
            widths[i] = 8 + random.nextInt(40);
        }
        Rectangle2D bounds = new Rectangle2D.Double(0, 0, 600, 400);
        List<LabelPlacer.Placement> placements = LabelPlacer.place(points, widths, 15, 3.5, bounds);
        assertNoOverlap(placements, points, 3.5, bounds);
    }

    @Test
    void theEmbeddingMapsLabelsDoNotOverlapWhereTokensCrowd() throws IOException {
        Vocabulary vocabulary = Vocabulary.fromText("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789.,;:!? \n");
        Random random = new Random(3);
        float[][] rows = new float[vocabulary.size()][8];
        for (int id = 0; id < rows.length; id++) {
            if (id == 1) {
                continue; // the padding row stays zero
            }
            boolean crowd = id % 5 != 0; // four in five tokens nearly at one spot, as an untrained model's are
            for (int j = 0; j < 8; j++) {
                rows[id][j] = (float) ((crowd ? 1 + 0.01 * random.nextGaussian() : random.nextGaussian()) * (j < 2 ? 3 : 1));
            }
        }
        EmbeddingMap map = new EmbeddingMap(new TokenVectors(rows, vocabulary), "crowded");
        BufferedImage image = new BufferedImage(900, 700, BufferedImage.TYPE_INT_RGB);
        Graphics2D canvas = image.createGraphics();
        List<LabelPlacer.Placement> placements;
        try {
            placements = map.paint(canvas, 900, 700);
        } finally {
            canvas.dispose();
        }
        assertEquals(vocabulary.size() - 1, placements.size());
        for (int i = 0; i < placements.size(); i++) {
            for (int j = i + 1; j < placements.size(); j++) {
                assertFalse(placements.get(i).box().intersects(placements.get(j).box()), "labels " + i + " and " + j + " overlap");
            }
        }
        map.write(dir.resolve("map.png"), 900, 700);
        Pictures.assertPng(dir.resolve("map.png"), 900, 700, 10);
    }

    private static void assertNoOverlap(List<LabelPlacer.Placement> placements, List<Point2D> points, double dotRadius, Rectangle2D bounds) {
        for (int i = 0; i < placements.size(); i++) {
            Rectangle2D box = placements.get(i).box();
            assertTrue(bounds.contains(box), "label " + i + " outside the plot: " + box);
            for (int j = i + 1; j < placements.size(); j++) {
                assertFalse(box.intersects(placements.get(j).box()), "labels " + i + " and " + j + " overlap: " + box + ", " + placements.get(j).box());
            }
            for (Point2D point : points) {
                assertFalse(box.intersects(point.getX() - dotRadius, point.getY() - dotRadius, 2 * dotRadius, 2 * dotRadius),
                        "label " + i + " covers the dot at " + point);
            }
        }
    }
}
