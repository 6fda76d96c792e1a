package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.testutil.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Bilinear#resize} against {@code F.interpolate(mode='bilinear', align_corners=False)}: values and the gradient
 * of sum(y·probe) for ×2, ×4, 7 → 16 (the engine path) and 13×21 → 7×9, 13×21 → 16×9 (our separable path). Max
 * relative error ≤ 1e-5 (seen: ≤ 1.4e-7 on the engine path, ≤ 2.1e-6 down-sampling, where PyTorch's own fp32 run
 * differs from float64 by 2.3e-6: the source coordinate is computed in float).
 */
class BilinearParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"up2", "up4", "up7to16", "down", "mixed"})
    void valuesAndGradientsMatchTorch(String name) {
        Map<String, RawTensor> t = SegFixtures.tensors("bilinear.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = SegFixtures.array(m, t.get(name + ".x"));
            x.setRequiresGradient(true);
            long[] ys = t.get(name + ".y").shape();
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = Bilinear.resize(x, (int) ys[2], (int) ys[3]);
                gc.backward(y.mul(SegFixtures.array(m, t.get(name + ".probe"))).sum());
            }
            double e = Fixtures.relErr(y, t.get(name + ".y"));
            double g = Fixtures.relErr(x.getGradient(), t.get(name + ".grad"));
            System.out.printf("bilinear %s: value %.1e gradient %.1e%n", name, e, g);
            assertTrue(e <= SegFixtures.TOL, name + " value rel err " + e);
            assertTrue(g <= SegFixtures.TOL, name + " gradient rel err " + g);
        }
    }

    @Test
    void theSameSizeIsTheIdentity() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 2, 3, 4));
            assertSame(x, Bilinear.resize(x, 3, 4));
        }
    }

    @Test
    void downSamplingDoesNotAntialias() {
        // 4 -> 2 reads the mean of each pair's middle: src = 0.5 and 2.5, weights 1/2 (an antialiasing filter would
        // spread over more inputs)
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0, 10, 20, 30}, new Shape(1, 1, 1, 4));
            float[] y = Bilinear.resize(x, 1, 2).toFloatArray();
            assertEquals(5f, y[0]);
            assertEquals(25f, y[1]);
        }
    }
}
