package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FeatureSpreadTest {
    @Test
    void sharedOffsetAndSpreadAreSeparated() {
        // four images around μ = (3, 4): ±1 along x twice, ±2 along y twice
        float[][] x = {{4, 4}, {2, 4}, {3, 6}, {3, 2}};
        FeatureSpread s = FeatureSpread.of(x);
        assertEquals(25, s.meanSquaredNorm(), 1e-9);
        assertEquals((1 + 1 + 0 + 0) / 4.0 + (0 + 0 + 4 + 4) / 4.0, s.totalVariance(), 1e-9);
        assertEquals(2.0 / 2.5, s.topComponentShare(), 1e-9, "covariance diag(0.5, 2): the y direction holds 80 %");
        assertEquals(10, s.sharedOverVariance(), 1e-9);
    }

    @Test
    void identicalRowsHaveNoSpread() {
        FeatureSpread s = FeatureSpread.of(new float[][] {{1, 2, 3}, {1, 2, 3}});
        assertEquals(0, s.totalVariance());
        assertEquals(0, s.topComponentShare());
    }

    @Test
    void oneRowIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> FeatureSpread.of(new float[][] {{1, 2}}));
    }
}
