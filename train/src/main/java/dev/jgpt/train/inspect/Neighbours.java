package dev.jgpt.train.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** The tokens whose embedding rows point the most the same way as a given one (cosine similarity). */
public final class Neighbours {

    /** One neighbour: its id and its cosine similarity to the query. */
    public record Neighbour(int id, double cosine) {}

    private final TokenVectors vectors;
    private final double[] norms;
    private final Set<Integer> leftOut;

    /**
     * @param leftOut ids never given as a neighbour: rows training never updated (a text run's
     *     {@code <s>}, {@code <unk>}), whose random directions mean nothing
     */
    public Neighbours(TokenVectors vectors, Set<Integer> leftOut) {
        this.vectors = vectors;
        this.leftOut = leftOut;
        norms = new double[vectors.size()];
        for (int id = 0; id < vectors.size(); id++) {
            norms[id] = Math.sqrt(dot(vectors.rows()[id], vectors.rows()[id]));
        }
    }

    /**
     * The {@code count} nearest tokens to {@code id}, most similar first; rows of zeros (the
     * padding row) have no direction and are never a neighbour.
     */
    public List<Neighbour> of(int id, int count) {
        List<Neighbour> all = new ArrayList<>();
        if (norms[id] == 0) {
            return all;
        }
        for (int other = 0; other < vectors.size(); other++) {
            if (other != id && norms[other] > 0 && !leftOut.contains(other)) {
                double cosine = dot(vectors.rows()[id], vectors.rows()[other]) / (norms[id] * norms[other]);
                all.add(new Neighbour(other, cosine));
            }
        }
        all.sort(Comparator.comparingDouble(Neighbour::cosine).reversed());
        return all.subList(0, Math.min(count, all.size()));
    }

    private static double dot(float[] x, float[] y) {
        double sum = 0;
        for (int j = 0; j < x.length; j++) {
            sum += (double) x[j] * y[j];
        }
        return sum;
    }
}
