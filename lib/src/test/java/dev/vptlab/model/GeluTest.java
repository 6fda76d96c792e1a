package dev.vptlab.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.testutil.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The MLP's activation is the exact erf GELU (timm's ViT uses torch's {@code nn.GELU}), not the tanh approximation. */
class GeluTest {
    @Test
    void djlGeluIsTheErfForm() {
        Map<String, RawTensor> e = Fixtures.tensors(Fixtures.vit("expected.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = Activation.gelu(Fixtures.array(m, e.get("gelu_x"))).toFloatArray();
            float[] want = e.get("gelu_y").toFloatArray();
            for (int i = 0; i < got.length; i++) {
                // the tanh form is off by ~4e-4 at |x| = 3: this bound separates the two
                assertTrue(Math.abs(got[i] - want[i]) <= 1e-6, "x index " + i + ": " + got[i] + " vs " + want[i]);
            }
        }
    }
}
