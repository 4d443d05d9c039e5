package dev.jgpt.train.inspect;

/**
 * The first principal components of a few rows, by power iteration on their covariance matrix
 * with deflation: for a (V, D) embedding of a few hundred tokens by a few hundred dimensions this
 * takes milliseconds, and needs no linear-algebra library.
 *
 * @param coordinates one row per input row: its projection on each component
 * @param explained the share of the total variance each component carries
 */
public record Pca(double[][] coordinates, double[] explained) {

    private static final int MAX_ITERATIONS = 1000;
    private static final double TOLERANCE = 1e-10;

    /** Projects {@code rows} (n, d) onto their first {@code components} principal axes. */
    public static Pca of(float[][] rows, int components) {
        int n = rows.length;
        int d = rows[0].length;
        double[] mean = new double[d];
        for (float[] row : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / (double) n;
            }
        }
        double[][] centred = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                centred[i][j] = rows[i][j] - mean[j];
            }
        }
        double[][] covariance = new double[d][d];
        for (double[] row : centred) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    covariance[a][b] += row[a] * row[b] / n;
                }
            }
        }
        double total = 0;
        for (int a = 0; a < d; a++) {
            total += covariance[a][a];
        }
        double[][] coordinates = new double[n][components];
        double[] explained = new double[components];
        for (int k = 0; k < components; k++) {
            double[] axis = leadingEigenvector(covariance, k);
            double eigenvalue = dot(axis, multiply(covariance, axis));
            explained[k] = total > 0 ? eigenvalue / total : 0;
            for (int i = 0; i < n; i++) {
                coordinates[i][k] = dot(centred[i], axis);
            }
            for (int a = 0; a < d; a++) { // deflate: remove this component before finding the next
                for (int b = 0; b < d; b++) {
                    covariance[a][b] -= eigenvalue * axis[a] * axis[b];
                }
            }
        }
        return new Pca(coordinates, explained);
    }

    private static double[] leadingEigenvector(double[][] matrix, int seed) {
        int d = matrix.length;
        double[] vector = new double[d];
        java.util.Random random = new java.util.Random(17 + seed); // fixed: the same map every time
        for (int j = 0; j < d; j++) {
            vector[j] = random.nextGaussian();
        }
        normalize(vector);
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[] next = multiply(matrix, vector);
            if (normalize(next) == 0) {
                return vector; // no variance left
            }
            double change = 0;
            for (int j = 0; j < d; j++) {
                change += (next[j] - vector[j]) * (next[j] - vector[j]);
            }
            vector = next;
            if (change < TOLERANCE) {
                break;
            }
        }
        // One sign for every run: the largest entry positive.
        int largest = 0;
        for (int j = 1; j < d; j++) {
            if (Math.abs(vector[j]) > Math.abs(vector[largest])) {
                largest = j;
            }
        }
        if (vector[largest] < 0) {
            for (int j = 0; j < d; j++) {
                vector[j] = -vector[j];
            }
        }
        return vector;
    }

    private static double[] multiply(double[][] matrix, double[] vector) {
        double[] out = new double[vector.length];
        for (int a = 0; a < matrix.length; a++) {
            out[a] = dot(matrix[a], vector);
        }
        return out;
    }

    private static double dot(double[] x, double[] y) {
        double sum = 0;
        for (int j = 0; j < x.length; j++) {
            sum += x[j] * y[j];
        }
        return sum;
    }

    private static double normalize(double[] vector) {
        double norm = Math.sqrt(dot(vector, vector));
        if (norm > 0) {
            for (int j = 0; j < vector.length; j++) {
                vector[j] /= norm;
            }
        }
        return norm;
    }
}
