package dev.jgpt.train.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/** Checks on written pictures: there, of the right size, and not blank. No pixel is compared. */
public final class Pictures {

    private Pictures() {}

    /** A PNG of {@code width} × {@code height} with at least {@code minColours} distinct colours. */
    public static void assertPng(Path file, int width, int height, int minColours) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " was not written");
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(width, image.getWidth(), "width of " + file);
        assertEquals(height, image.getHeight(), "height of " + file);
        assertTrue(colours(image) >= minColours, file + " has " + colours(image) + " colours: blank?");
    }

    /** The number of distinct colours in {@code image}. */
    public static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }

    private static double attribute(String tag, String name) {
        Matcher value = Pattern.compile("\\s" + name + "=\"([0-9.]+)[a-z]*\"").matcher(tag);
        assertTrue(value.find(), "no " + name + " in " + tag);
        return Double.parseDouble(value.group(1));
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    /** An SVG document of {@code width} × {@code height} that draws paths and text. */
    public static void assertSvg(Path file, int width, int height) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " was not written");
        String svg = Files.readString(file, StandardCharsets.UTF_8);
        Matcher root = Pattern.compile("<svg[^>]*>").matcher(svg);
        assertTrue(root.find(), "not an SVG document: " + file);
        assertEquals(width, attribute(root.group(), "width"), 0.5, "width of " + file);
        assertEquals(height, attribute(root.group(), "height"), 0.5, "height of " + file);
        // XChart draws text as outlines: paths; the curves are paths and lines.
        assertTrue(count(svg, "<path") >= 20 && count(svg, "<line") + count(svg, "<path") >= 50, "draws next to nothing: " + file);
    }
}
