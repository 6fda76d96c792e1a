package dev.vptlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Plain dropout as torch's {@code nn.Dropout}: elementwise Bernoulli(1 − p) masks, kept values scaled by 1/(1 − p). */
class DropoutTest {
    @Test
    void masksAreElementwiseAndKeptValuesAreRescaled() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            NDArray ones = m.ones(new Shape(4, 250, 100));
            for (float p : new float[] {0.1f, 0.9f}) {
                float[] y = Dropout.apply(ones, p, true).toFloatArray();
                int dropped = 0;
                for (float v : y) {
                    if (v == 0f) {
                        dropped++;
                    } else {
                        assertEquals(1f / (1f - p), v, 1e-6f);
                    }
                }
                double rate = dropped / (double) y.length;
                // 100,000 Bernoulli draws: the standard error is at most 0.0016
                assertTrue(Math.abs(rate - p) < 0.01, "p " + p + " dropped " + rate);
            }
        }
    }

    @Test
    void evaluationAndRateZeroReturnTheInputItself() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3));
            Dropout.Uniforms none = (mm, s) -> {
                throw new AssertionError("no mask may be drawn");
            };
            Dropout.withUniforms(none, () -> {
                assertSame(x, Dropout.apply(x, 0.5f, false));
                assertSame(x, Dropout.apply(x, 0f, true));
                return null;
            });
        }
    }

    @Test
    void suppliedDrawsApplyOnThisThreadOnlyUntilTheBodyEnds() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4});
            Dropout.Uniforms alternate = (mm, s) -> mm.create(new float[] {0f, 1f, 0f, 1f}, s);
            NDArray y = Dropout.withUniforms(alternate, () -> Dropout.apply(x, 0.5f, true));
            assertEquals(java.util.List.of(2f, 0f, 6f, 0f), java.util.List.of(y.toFloatArray()[0], y.toFloatArray()[1],
                    y.toFloatArray()[2], y.toFloatArray()[3]));
            Engine.getInstance().setRandomSeed(2);
            float[] a = Dropout.uniform(m, new Shape(8)).toFloatArray();
            Engine.getInstance().setRandomSeed(2);
            assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(m.randomUniform(0f, 1f, new Shape(8)).toFloatArray()),
                    "after the body, the engine's generator again");
        }
    }
}
