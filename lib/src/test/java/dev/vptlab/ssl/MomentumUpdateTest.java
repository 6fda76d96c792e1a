package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.VitConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MomentumUpdateTest {
    @Test
    void updateIsMTimesKPlusOneMinusMTimesQ() {
        float[] k0 = {1f, -2f, 0.5f, 3.25f, 1e-3f, -7f};
        float[] q0 = {0f, 4f, 0.5f, -1.5f, 2f, 1e5f};
        double m = 0.99;
        try (NDManager mgr = NDManager.newBaseManager()) {
            NDArray k = mgr.create(k0, new Shape(2, 3));
            NDArray q = mgr.create(q0, new Shape(2, 3));
            q.setRequiresGradient(true); // the online tensors require gradients; the update must not record
            MomentumUpdate.apply(Map.of("w", q), Map.of("w", k), m);
            float[] got = k.toFloatArray();
            for (int i = 0; i < k0.length; i++) {
                float want = k0[i] * (float) m + q0[i] * (float) (1 - m); // float32, torch's order
                assertEquals(want, got[i], 0f, "element " + i);
            }
            assertFalse(k.hasGradient());
            assertArrayEquals(q0, q.toFloatArray(), 0f);
        }
    }

    @Test
    void cosineMomentumRisesFromM0ToOne() {
        assertEquals(0.99, MomentumUpdate.cosine(0.99, 0, 100), 1e-15);
        assertEquals(0.995, MomentumUpdate.cosine(0.99, 50, 100), 1e-12);
        assertEquals(1.0, MomentumUpdate.cosine(0.99, 100, 100), 1e-15);
    }

    @Test
    void momentumEncoderStartsAsACopyAndFollowsTheEma() {
        try (NDManager mgr = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            MocoV3Pretraining moco = new MocoV3Pretraining(VitConfig.VIT_TINY12_FMNIST, mgr, 0.9, false, Augmentations.mocoView());
            Map<String, NDArray> k = moco.momentumParameters();
            NDArray q = moco.trunkParameters().get("blocks.3.mlp.fc1.weight").getArray();
            NDArray kw = k.get("encoder.blocks.3.mlp.fc1.weight");
            assertArrayEquals(q.toFloatArray(), kw.toFloatArray(), 0f);
            float[] before = kw.toFloatArray();
            float[] qBefore = q.toFloatArray();
            // move the online tensor, then one update: k = 0.9 k + 0.1 q
            dev.vptlab.model.InPlace.copy(q, q.add(1f));
            moco.beforeStep(0, 10);
            float[] after = kw.toFloatArray();
            for (int i = 0; i < after.length; i += 97) {
                float want = before[i] * 0.9f + (qBefore[i] + 1f) * (float) (1 - 0.9);
                assertEquals(want, after[i], 0f);
            }
        }
    }
}
