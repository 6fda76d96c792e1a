package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.model.VitConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each method's loss falls within a few steps of a fixed-seed run on 256 images. */
class PretrainingTest {
    static PretrainResult run(PretrainMethods m, int steps, int batch, double lr) {
        FashionMnistImages data = SslTestData.train(steps * batch);
        PretrainOptions o = new PretrainOptions(1, batch, lr, 0.05, m.beta2(), 0.0, 1234, 0);
        return SslTestData.singleThreaded(() -> {
            try (Pretrainer p = new Pretrainer(o, data, VitConfig.VIT_TINY12_FMNIST, m.factory(), null)) {
                Map<String, float[]> before = new LinkedHashMap<>();
                p.method().trainableParameters().forEach((k, v) -> before.put(k, v.toFloatArray()));
                PretrainResult r = p.train();
                // every trainable tensor (trunk, decoder, mask token, projector, predictor, head) was reached
                p.method().trainableParameters().forEach((k, v) -> assertFalse(Arrays.equals(before.get(k), v.toFloatArray()),
                        m.id() + ": " + k + " did not change"));
                assertTrue(before.containsKey("blocks.11.mlp.fc2.weight") && before.containsKey("norm.bias"));
                return r;
            }
        });
    }

    static void assertDecreases(PretrainResult r) {
        int n = r.stepLosses().size();
        double first = r.meanLoss(0, 3);
        double last = r.meanLoss(n - 3, n);
        assertTrue(last < first, r.method() + ": mean loss of the last 3 steps " + last + " is not below the first 3's "
                + first + " " + r.stepLosses());
    }

    @Test
    void maeLossDecreases() {
        PretrainResult r = run(PretrainMethods.MAE, 16, 16, 2e-3);
        assertEquals(16, r.steps());
        assertDecreases(r);
    }

    @Test
    void mocoV3LossDecreases() {
        assertDecreases(run(PretrainMethods.MOCOV3, 12, 16, 2e-3));
    }

    @Test
    void supervisedLossDecreases() {
        assertDecreases(run(PretrainMethods.SUPERVISED, 16, 16, 2e-3));
    }

    @Test
    void positionEmbeddingIsFixedForTheSelfSupervisedMethodsOnly() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            assertFalse(new MaePretraining(VitConfig.VIT_TINY12_FMNIST, m).trainableParameters().containsKey("pos_embed"));
            assertFalse(new MocoV3Pretraining(VitConfig.VIT_TINY12_FMNIST, m).trainableParameters().containsKey("pos_embed"));
            assertTrue(new SupervisedPretraining(VitConfig.VIT_TINY12_FMNIST, m).trainableParameters().containsKey("pos_embed"));
        }
    }

    @Test
    void sameSeedSameLosses() {
        PretrainResult a = run(PretrainMethods.MAE, 4, 16, 1e-3);
        PretrainResult b = run(PretrainMethods.MAE, 4, 16, 1e-3);
        assertEquals(a.stepLosses(), b.stepLosses());
    }
}
