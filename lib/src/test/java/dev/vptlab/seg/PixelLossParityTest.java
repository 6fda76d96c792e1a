package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@link PixelLoss#crossEntropy} against mmseg v0.15.0's resize + {@code CrossEntropyLoss} (ignore 255, mean over all
 * pixels) with logits at, above and below the label size: loss and gradient, relative error ≤ 1e-5 (seen ≤ 1.0e-6).
 */
class PixelLossParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"same", "up", "down"})
    void lossAndGradientMatchTorch(String name) {
        Map<String, RawTensor> t = SegFixtures.tensors("pixel_loss.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = SegFixtures.array(m, t.get(name + ".logits"));
            logits.setRequiresGradient(true);
            NDArray labels = SegFixtures.longs(m, t.get(name + ".labels"));
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = PixelLoss.crossEntropy(logits, labels);
                gc.backward(loss);
            }
            assertEquals(0, loss.getShape().dimension());
            double e = Fixtures.relErr(new float[] {loss.getFloat()}, t.get(name + ".loss").toFloatArray());
            double g = Fixtures.relErr(logits.getGradient(), t.get(name + ".grad"));
            System.out.printf("pixel loss %s: value %.1e gradient %.1e%n", name, e, g);
            assertTrue(e <= SegFixtures.TOL, name + " loss rel err " + e);
            assertTrue(g <= SegFixtures.TOL, name + " gradient rel err " + g);
        }
    }

    @Test
    void ignoredPixelsCountInTheDenominator() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.zeros(new Shape(1, 4, 1, 2));                    // uniform: log 4 per pixel
            NDArray labels = m.create(new long[] {2, PixelLoss.IGNORE}, new Shape(1, 1, 2));
            assertEquals(Math.log(4) / 2, PixelLoss.crossEntropy(logits, labels).getFloat(), 1e-6);
        }
    }
}
