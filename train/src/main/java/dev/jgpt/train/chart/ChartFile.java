package dev.jgpt.train.chart;

import de.erichseifert.vectorgraphics2d.Processors;
import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import dev.jgpt.data.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes a picture to a PNG or an SVG file, chosen by the file's extension. The file is written
 * beside its target under a temporary name and renamed over it, so a viewer that has it open never
 * reads half a picture.
 */
public final class ChartFile {

    static {
        // No display is needed or wanted: charts are drawn into images and files.
        System.setProperty("java.awt.headless", "true");
    }

    /** Draws a picture of a given size onto a canvas. */
    @FunctionalInterface
    public interface Picture {
        void paint(Graphics2D canvas, int width, int height);
    }

    private ChartFile() {}

    /** Refuses a file whose name ends in neither .png nor .svg, naming it. */
    public static void checkFormat(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".png") && !name.endsWith(".svg")) {
            throw new IllegalArgumentException("the picture's file name must end in .png or .svg, got " + file);
        }
    }

    /** Paints {@code picture} at {@code width} × {@code height} pixels into {@code file} (.png or .svg). */
    public static void write(Path file, int width, int height, Picture picture) {
        checkFormat(file);
        if (width < 100 || height < 100) {
            throw new IllegalArgumentException("a picture must be at least 100 × 100 pixels, got " + width + " × " + height);
        }
        boolean svg = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg");
        try {
            AtomicFiles.write(file, out -> {
                if (svg) {
                    writeSvg(out, width, height, picture);
                } else {
                    ImageIO.write(image(width, height, picture), "png", out);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The picture as an image with a white background. */
    static BufferedImage image(int width, int height, Picture picture) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D canvas = image.createGraphics();
        try {
            canvas.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            canvas.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            canvas.setColor(Color.WHITE);
            canvas.fillRect(0, 0, width, height);
            picture.paint(canvas, width, height);
        } finally {
            canvas.dispose();
        }
        return image;
    }

    private static void writeSvg(OutputStream out, int width, int height, Picture picture) throws IOException {
        VectorGraphics2D canvas = new VectorGraphics2D();
        canvas.setColor(Color.WHITE);
        canvas.fillRect(0, 0, width, height);
        picture.paint(canvas, width, height);
        Processors.get("svg").getDocument(canvas.getCommands(), new PageSize(0, 0, width, height)).writeTo(out);
    }
}
