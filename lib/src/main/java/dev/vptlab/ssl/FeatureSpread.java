package dev.vptlab.ssl;

/**
 * How much a trunk's pooled features vary between images, against what they share. A linear probe whitens its
 * inputs ({@link LogisticRegression}), so a shared component costs it nothing; a prompt-tuning head trained by
 * SGD on the raw features sees it as a large constant offset with small differences on top, and fits slowly. This
 * is how the embedded MoCo v3 trunk differs from the MAE one (README, "Honest findings").
 *
 * @param meanSquaredNorm ‖μ‖², μ the mean feature vector over the images
 * @param totalVariance the trace of the feature covariance (population), i.e. the mean of ‖x − μ‖²
 * @param topComponentShare the largest covariance eigenvalue over the trace (1 when every image differs only along
 *     one direction)
 */
public record FeatureSpread(int images, int dim, double meanSquaredNorm, double totalVariance, double topComponentShare) {
    /** ‖μ‖² over the total variance: large when what the images share dominates how they differ. */
    public double sharedOverVariance() {
        return meanSquaredNorm / totalVariance;
    }

    /** The spread of rows {@code x} (images × features). */
    public static FeatureSpread of(float[][] x) {
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("need at least two feature rows, got " + n);
        }
        int d = x[0].length;
        double[] mean = new double[d];
        for (float[] r : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j];
            }
        }
        double meanSq = 0;
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
            meanSq += mean[j] * mean[j];
        }
        double[][] cov = new double[d][d];
        for (float[] r : x) {
            for (int a = 0; a < d; a++) {
                double da = r[a] - mean[a];
                for (int b = 0; b < d; b++) {
                    cov[a][b] += da * (r[b] - mean[b]) / n;
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < d; a++) {
            trace += cov[a][a];
        }
        return new FeatureSpread(n, d, meanSq, trace, trace == 0 ? 0 : largestEigenvalue(cov) / trace);
    }

    /** Power iteration on a symmetric positive semi-definite matrix, from the all-ones vector. */
    static double largestEigenvalue(double[][] c) {
        int d = c.length;
        double[] v = new double[d];
        java.util.Arrays.fill(v, 1 / Math.sqrt(d));
        double lambda = 0;
        for (int it = 0; it < 500; it++) {
            double[] w = new double[d];
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    w[a] += c[a][b] * v[b];
                }
            }
            double norm = 0;
            for (double q : w) {
                norm += q * q;
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                return 0;
            }
            for (int a = 0; a < d; a++) {
                v[a] = w[a] / norm;
            }
            if (Math.abs(norm - lambda) <= 1e-12 * norm) {
                return norm;
            }
            lambda = norm;
        }
        return lambda;
    }
}
