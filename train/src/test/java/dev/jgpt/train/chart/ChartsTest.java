package dev.jgpt.train.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss chart and the attention grid write real pictures, as PNG and as SVG. */
class ChartsTest {

    @TempDir Path dir;

    private Path run(String name, double start) throws IOException {
        StringBuilder csv = new StringBuilder("iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s\n");
        for (int iter = 0; iter <= 200; iter += 10) {
            double loss = start * Math.exp(-iter / 80.0) + 1.5 + 0.05 * Math.sin(iter);
            if (iter % 50 == 0) {
                csv.append(iter).append(",1e-3,").append(loss).append(',').append(loss + 0.05).append(",,\n");
            }
            csv.append(iter).append(",1e-3,").append(loss).append(",,20,30000\n");
        }
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("metrics.csv"), csv);
        return folder;
    }

    @Test
    void twoRunsToPngAndOneToSvg() throws IOException {
        List<RunMetrics> runs = List.of(RunMetrics.read(run("a", 3)), RunMetrics.read(run("b", 2)));
        new LossChart(runs, "a vs b", LossChart.Scale.AUTO, "loss").write(dir.resolve("both.png"), 900, 600);
        Pictures.assertPng(dir.resolve("both.png"), 900, 600, 20);
        new LossChart(runs.subList(0, 1), "a", LossChart.Scale.LOG, "loss").write(dir.resolve("a.svg"), 800, 500);
        Pictures.assertSvg(dir.resolve("a.svg"), 800, 500);
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(path -> path.getFileName().toString().endsWith(".tmp")), "a temporary file was left");
        }
    }

    /** Runs of different tokenizers compare in bits per byte: the val estimates and the whole split's, nothing else. */
    @Test
    void bitsPerByteReplaceTheLossesAndARunWithoutThemIsRefused() throws IOException {
        Path folder = dir.resolve("bpe");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("metrics.csv"), """
                iter,lr,loss,train_loss,val_loss,val_loss_full,val_bpb,val_bpb_full,ms_per_iter,tokens_per_s
                0,1e-3,8.3,8.3,8.3,,3.7,,20,100
                100,1e-3,5.1,5.0,5.2,,2.3,,20,100
                200,1e-3,4.2,4.1,4.4,4.35,1.9,1.88,20,100
                """);
        RunMetrics bits = RunMetrics.read(folder).inBitsPerByte();
        assertEquals(List.of(3.7, 2.3, 1.9), bits.valLoss().values());
        assertEquals(List.of(1.88), bits.valLossFull().values());
        assertTrue(bits.stepLoss().isEmpty() && bits.trainLoss().isEmpty());
        new LossChart(List.of(bits), "bpe", LossChart.Scale.AUTO, "val bits per byte").write(dir.resolve("bpb.png"), 800, 500);
        Pictures.assertPng(dir.resolve("bpb.png"), 800, 500, 20);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new LossChart(List.of(RunMetrics.read(run("old", 3)).inBitsPerByte()), "x", LossChart.Scale.AUTO, "val bits per byte"));
        assertEquals("no val bits per byte recorded yet in old", none.getMessage());
    }

    @Test
    void aRunWithoutLossesOrABadFileNameIsRefused() throws IOException {
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        Files.writeString(empty.resolve("metrics.csv"), "iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s\n");
        assertThrows(IllegalArgumentException.class, () -> new LossChart(List.of(RunMetrics.read(empty)), "x", LossChart.Scale.AUTO, "loss"));
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> ChartFile.checkFormat(dir.resolve("x.jpg")));
        assertEquals("the picture's file name must end in .png or .svg, got " + dir.resolve("x.jpg"), format.getMessage());
    }

    @Test
    void smoothingIsADebiasedMovingAverage() {
        assertEquals(List.of(2.0, 2.0, 2.0), LossChart.smoothed(List.of(2.0, 2.0, 2.0), 0.8));
        List<Double> step = LossChart.smoothed(List.of(0.0, 1.0), 0.5);
        assertEquals(0.0, step.get(0));
        assertEquals(2.0 / 3, step.get(1), 1e-12); // (0.5 · 1) / (0.5 · 0.5 + 0.5)
        assertEquals("6e-4", LossChart.scientific(6e-4));
        assertEquals("1.5e-3", LossChart.scientific(1.5e-3));
    }

    @Test
    void attentionGridHasAPanelPerLayerAndHead() throws IOException {
        int layers = 2;
        int heads = 3;
        int time = 5;
        float[][][][] weights = new float[layers][heads][time][time];
        for (float[][][] layer : weights) {
            for (float[][] head : layer) {
                for (int query = 0; query < time; query++) {
                    for (int key = 0; key <= query; key++) {
                        head[query][key] = 1f / (query + 1);
                    }
                }
            }
        }
        AttentionGrid grid = new AttentionGrid(weights, List.of("a", "b", "a", "\u2423", "c"));
        grid.write(dir.resolve("attention.png"));
        Pictures.assertPng(dir.resolve("attention.png"), grid.width(), grid.height(), 10);
        assertTrue(grid.height() > grid.width() / heads * layers, "a strip under the panels holds the colour scale");
        BufferedImage image = ImageIO.read(dir.resolve("attention.png").toFile());
        int scaleRow = grid.width() / heads * layers + 12; // through the colour bar
        assertClose(Color.WHITE, new Color(image.getRGB(21, scaleRow)), "0 is white");
        assertClose(new Color(0x08306b), new Color(image.getRGB(20 + 238, scaleRow)), "1 is dark blue");
    }

    private static void assertClose(Color expected, Color actual, String what) {
        int distance = Math.abs(expected.getRed() - actual.getRed()) + Math.abs(expected.getGreen() - actual.getGreen())
                + Math.abs(expected.getBlue() - actual.getBlue());
        assertTrue(distance <= 12, what + ": " + actual);
    }
}
