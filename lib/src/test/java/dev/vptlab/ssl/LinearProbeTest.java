package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearProbeTest {
    /** Gaussian blobs around class centres on a 5σ-spaced grid, in 16 dims with a large offset and scale. */
    static float[][] blobs(int n, int[] y, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][16];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            for (int j = 0; j < 16; j++) {
                double centre = j == y[i] ? 5 : 0;
                x[i][j] = (float) (100 + 30 * (centre + r.nextGaussian()));
            }
        }
        return x;
    }

    @Test
    void separableFeaturesAreClassifiedAlmostPerfectlyAndDeterministically() {
        int[] ytr = new int[800];
        int[] yte = new int[400];
        float[][] xtr = blobs(800, ytr, 1);
        float[][] xte = blobs(400, yte, 2);
        LinearProbe.Result a = LinearProbe.fit(xtr, ytr, xte, yte, 4);
        assertTrue(a.testAccuracy() > 0.97, "test accuracy " + a.testAccuracy());
        assertTrue(a.trainAccuracy() > 0.97, "train accuracy " + a.trainAccuracy());
        LogisticRegression m1 = LogisticRegression.fit(xtr, ytr, 4, LinearProbe.L2, 100);
        LogisticRegression m2 = LogisticRegression.fit(xtr, ytr, 4, LinearProbe.L2, 100);
        assertArrayEquals(m1.predict(xte), m2.predict(xte));
        assertEquals(a.testAccuracy(), LinearProbe.fit(xtr, ytr, xte, yte, 4).testAccuracy());
    }

    @Test
    void jacobiDiagonalisesASymmetricMatrix() {
        Random r = new Random(4);
        int d = 7;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                a[i][j] = r.nextGaussian();
                a[j][i] = a[i][j];
            }
        }
        double[][] copy = new double[d][];
        for (int i = 0; i < d; i++) {
            copy[i] = a[i].clone();
        }
        double[][] v = new double[d][d];
        double[] values = LogisticRegression.jacobi(copy, v);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double rebuilt = 0;
                for (int k = 0; k < d; k++) {
                    rebuilt += v[i][k] * values[k] * v[j][k];
                }
                assertEquals(a[i][j], rebuilt, 1e-10);
            }
        }
    }

    @Test
    void featuresOfATrunkHaveOneRowPerImage() {
        FashionMnistImages d = SslTestData.train(40);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            VisionTransformer vit = VisionTransformer.create(VitConfig.VIT_TINY12_FMNIST, m);
            WeightInit.trunk(vit, m);
            float[][] cls = LinearProbe.features(vit, Pooling.CLS, d, 16);
            float[][] mean = LinearProbe.features(vit, Pooling.MEAN_PATCHES, d, 16);
            assertEquals(40, cls.length);
            assertEquals(48, cls[39].length);
            // after the final LayerNorm (weight 1, bias 0) every feature row has mean ≈ 0
            double s = 0;
            for (float v : mean[7]) {
                s += v;
            }
            assertEquals(0, s / 48, 1e-4);
            // batching does not change features
            assertArrayEquals(cls[20], LinearProbe.features(vit, Pooling.CLS, d, 40)[20], 1e-5f);
        }
    }
}
