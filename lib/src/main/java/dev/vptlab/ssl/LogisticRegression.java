package dev.vptlab.ssl;

import java.util.stream.IntStream;

/**
 * Multinomial logistic regression fitted on the host, deterministically. Features are whitened with the
 * training set's statistics (centred, rotated onto the covariance eigenvectors and scaled to unit
 * variance; directions with variance below 1e-6 of the largest are dropped): the MAE linear probe
 * standardises features with a non-affine BatchNorm for the same reason, and whitening goes further so
 * that a fixed number of gradient steps converges for any trunk, however anisotropic its features
 * (without it, 300 steps left trained trunks under-fitted more than random ones). A bias column is added
 * and the L2-regularised mean cross-entropy is minimised by Nesterov's accelerated full-batch gradient
 * descent with step 1/L, L = ½·λ_max(ZᵀZ/n) + λ (the softmax cross-entropy's curvature bound; λ_max by
 * power iteration). Sums over samples run in fixed chunks reduced in order, so results do not depend on
 * thread timing.
 *
 * <p>Long because it is one algorithm: multinomial logistic regression fitted by L-BFGS with its line search, as
 * the linear-probe protocol needs.
 */
public final class LogisticRegression {
    private static final int CHUNK = 1024;

    private final int classes;
    private final int dim;
    private final Whitening whitening;
    /** [classes][kept + 1], last column the bias. */
    private final double[][] w;

    private LogisticRegression(int classes, int dim, Whitening whitening, double[][] w) {
        this.classes = classes;
        this.dim = dim;
        this.whitening = whitening;
        this.w = w;
    }

    /** z = diag(1/√λ)·Uᵀ·(x − μ) over the kept eigen-directions, then a constant 1 for the bias. */
    private record Whitening(double[] mean, double[][] rows) {
        static Whitening fit(float[][] x) {
            int n = x.length;
            int d = x[0].length;
            double[] mean = new double[d];
            for (float[] r : x) {
                for (int j = 0; j < d; j++) {
                    mean[j] += r[j];
                }
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            double[][] cov = new double[d][d];
            for (float[] r : x) {
                for (int a = 0; a < d; a++) {
                    double da = r[a] - mean[a];
                    for (int b = a; b < d; b++) {
                        cov[a][b] += da * (r[b] - mean[b]);
                    }
                }
            }
            for (int a = 0; a < d; a++) {
                for (int b = a; b < d; b++) {
                    cov[a][b] /= n;
                    cov[b][a] = cov[a][b];
                }
            }
            double[][] vectors = new double[d][d];
            double[] values = jacobi(cov, vectors);
            double max = 0;
            for (double v : values) {
                max = Math.max(max, v);
            }
            java.util.List<double[]> rows = new java.util.ArrayList<>();
            for (int k = 0; k < d; k++) {
                if (values[k] > 1e-6 * max && values[k] > 0) {
                    double[] row = new double[d];
                    double s = 1 / Math.sqrt(values[k]);
                    for (int j = 0; j < d; j++) {
                        row[j] = vectors[j][k] * s;
                    }
                    rows.add(row);
                }
            }
            return new Whitening(mean, rows.toArray(new double[0][]));
        }

        double[] apply(float[] r) {
            double[] c = new double[mean.length];
            for (int j = 0; j < c.length; j++) {
                c[j] = r[j] - mean[j];
            }
            double[] z = new double[rows.length + 1];
            for (int k = 0; k < rows.length; k++) {
                double a = 0;
                for (int j = 0; j < c.length; j++) {
                    a += rows[k][j] * c[j];
                }
                z[k] = a;
            }
            z[rows.length] = 1;
            return z;
        }
    }

    /**
     * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (destroys {@code a}); returns
     * the eigenvalues, eigenvectors in the columns of {@code v}.
     */
    static double[] jacobi(double[][] a, double[][] v) {
        int d = a.length;
        for (int i = 0; i < d; i++) {
            java.util.Arrays.fill(v[i], 0);
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < d; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = a[i][i];
        }
        return values;
    }

    /**
     * @param x n × d features
     * @param y labels in [0, classes)
     * @param l2 the weight λ of ½·λ·‖W‖² on the whitened weights (bias included)
     */
    public static LogisticRegression fit(float[][] x, int[] y, int classes, double l2, int iterations) {
        int n = x.length;
        int d = x[0].length;
        Whitening white = Whitening.fit(x);
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            z[i] = white.apply(x[i]);
        }
        double lip = 0.5 * maxEigen(z) + l2;
        double step = 1 / lip;
        int p = z[0].length;
        double[][] w = new double[classes][p];
        double[][] v = new double[classes][p];
        double t = 1;
        for (int it = 0; it < iterations; it++) {
            double[][] g = gradient(z, y, v, l2);
            double[][] next = new double[classes][p];
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < p; j++) {
                    next[c][j] = v[c][j] - step * g[c][j];
                }
            }
            double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
            double beta = (t - 1) / tNext;
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < p; j++) {
                    v[c][j] = next[c][j] + beta * (next[c][j] - w[c][j]);
                }
            }
            w = next;
            t = tNext;
        }
        return new LogisticRegression(classes, d, white, w);
    }

    /** The most likely class of each row. */
    public int[] predict(float[][] x) {
        int[] out = new int[x.length];
        IntStream.range(0, x.length).parallel().forEach(i -> {
            double[] s = scores(w, whitening.apply(x[i]));
            int best = 0;
            for (int c = 1; c < s.length; c++) {
                if (s[c] > s[best]) {
                    best = c;
                }
            }
            out[i] = best;
        });
        return out;
    }

    /** Share of rows whose predicted class is the label. */
    public double accuracy(float[][] x, int[] y) {
        int[] p = predict(x);
        int ok = 0;
        for (int i = 0; i < p.length; i++) {
            ok += p[i] == y[i] ? 1 : 0;
        }
        return (double) ok / p.length;
    }

    public int classes() {
        return classes;
    }

    public int dim() {
        return dim;
    }

    private static double[] scores(double[][] w, double[] z) {
        double[] s = new double[w.length];
        for (int c = 0; c < w.length; c++) {
            double a = 0;
            for (int j = 0; j < z.length; j++) {
                a += w[c][j] * z[j];
            }
            s[c] = a;
        }
        return s;
    }

    /** ∇ of mean CE + ½λ‖W‖² at W. */
    private static double[][] gradient(double[][] z, int[] y, double[][] w, double l2) {
        int n = z.length;
        int classes = w.length;
        int p = w[0].length;
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[][][] partial = new double[chunks][][];
        IntStream.range(0, chunks).parallel().forEach(k -> {
            double[][] g = new double[classes][p];
            for (int i = k * CHUNK; i < Math.min(n, (k + 1) * CHUNK); i++) {
                double[] s = scores(w, z[i]);
                double max = Double.NEGATIVE_INFINITY;
                for (double v : s) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    s[c] = Math.exp(s[c] - max);
                    sum += s[c];
                }
                for (int c = 0; c < classes; c++) {
                    double r = s[c] / sum - (c == y[i] ? 1 : 0);
                    for (int j = 0; j < p; j++) {
                        g[c][j] += r * z[i][j];
                    }
                }
            }
            partial[k] = g;
        });
        double[][] g = new double[classes][p];
        for (double[][] part : partial) {
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < p; j++) {
                    g[c][j] += part[c][j];
                }
            }
        }
        for (int c = 0; c < classes; c++) {
            for (int j = 0; j < p; j++) {
                g[c][j] = g[c][j] / n + l2 * w[c][j];
            }
        }
        return g;
    }

    /** λ_max(ZᵀZ / n) by 100 power iterations from the all-ones vector. */
    private static double maxEigen(double[][] z) {
        int p = z[0].length;
        double[] v = new double[p];
        java.util.Arrays.fill(v, 1 / Math.sqrt(p));
        double lambda = 0;
        for (int it = 0; it < 100; it++) {
            double[] u = new double[p];
            for (double[] r : z) {
                double a = 0;
                for (int j = 0; j < p; j++) {
                    a += r[j] * v[j];
                }
                for (int j = 0; j < p; j++) {
                    u[j] += a * r[j];
                }
            }
            double norm = 0;
            for (int j = 0; j < p; j++) {
                u[j] /= z.length;
                norm += u[j] * u[j];
            }
            norm = Math.sqrt(norm);
            lambda = norm;
            for (int j = 0; j < p; j++) {
                v[j] = u[j] / norm;
            }
        }
        return lambda;
    }
}
