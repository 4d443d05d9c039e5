package dev.jgpt.train.chart;

import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;

/**
 * Places text labels beside their points so that no two labels overlap and none covers a point: each
 * label takes the first free spot on rings of growing distance around its point (above first, then
 * right, below, left and between), in pixels. A label pushed off its point's side gets a leader line.
 */
final class LabelPlacer {

    /** Where a label goes, and whether it sits away from its point (then a line should join them). */
    record Placement(Rectangle2D box, boolean away) {
        /** The point of the box nearest to {@code point}: where a leader line meets the label. */
        Point2D nearest(Point2D point) {
            return new Point2D.Double(
                    Math.max(box.getMinX(), Math.min(point.getX(), box.getMaxX())),
                    Math.max(box.getMinY(), Math.min(point.getY(), box.getMaxY())));
        }
    }

    private static final double GAP = 1; // pixels kept free between two labels, or a label and a dot

    private LabelPlacer() {}

    /**
     * One placement per point, in order, for labels of the given widths and height, inside {@code
     * bounds}, around dots of radius {@code dotRadius}. Where no free spot exists at all, the label
     * goes just above its point.
     */
    static List<Placement> place(List<Point2D> points, double[] widths, double height, double dotRadius, Rectangle2D bounds) {
        List<Rectangle2D> taken = new ArrayList<>();
        for (Point2D point : points) {
            taken.add(new Rectangle2D.Double(point.getX() - dotRadius, point.getY() - dotRadius, 2 * dotRadius, 2 * dotRadius));
        }
        double farthest = Math.hypot(bounds.getWidth(), bounds.getHeight());
        List<Placement> placements = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            Placement placement = null;
            for (int ring = 0; placement == null && dotRadius + 2 + ring * height < farthest; ring++) {
                placement = firstFree(points.get(i), widths[i], height, dotRadius + 2 + ring * height, ring, bounds, taken);
            }
            if (placement == null) {
                placement = new Placement(box(points.get(i), widths[i], height, dotRadius + 2, -Math.PI / 2), false);
            }
            taken.add(placement.box());
            placements.add(placement);
        }
        return placements;
    }

    private static Placement firstFree(
            Point2D point, double width, double height, double distance, int ring, Rectangle2D bounds, List<Rectangle2D> taken) {
        int directions = ring == 0 ? 8 : 16;
        for (int d = 0; d < directions; d++) {
            // Up, right, down, left, then the directions between them, each turn finer.
            double angle = -Math.PI / 2 + (d < 4 ? d * Math.PI / 2 : (d < 8 ? (d - 4) * Math.PI / 2 + Math.PI / 4 : (d - 8) * Math.PI / 4 + Math.PI / 8));
            Rectangle2D box = box(point, width, height, distance, angle);
            if (bounds.contains(box) && taken.stream().noneMatch(other -> overlaps(box, other))) {
                return new Placement(box, ring > 0);
            }
        }
        return null;
    }

    /** A box whose side faces the point at {@code distance}, in the direction {@code angle}. */
    private static Rectangle2D box(Point2D point, double width, double height, double distance, double angle) {
        double centreX = point.getX() + Math.cos(angle) * (distance + width / 2);
        double centreY = point.getY() + Math.sin(angle) * (distance + height / 2);
        return new Rectangle2D.Double(centreX - width / 2, centreY - height / 2, width, height);
    }

    static boolean overlaps(Rectangle2D a, Rectangle2D b) {
        return a.getMinX() < b.getMaxX() + GAP && b.getMinX() < a.getMaxX() + GAP
                && a.getMinY() < b.getMaxY() + GAP && b.getMinY() < a.getMaxY() + GAP;
    }
}
