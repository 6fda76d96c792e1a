package dev.vptlab.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** The attention seam for key/value prompts (E2VPT): appending K/V entries is attending to extra tokens. */
class KeyValuePromptsTest {
    @Test
    void keyValuePromptsEqualAttendingToExtraTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            VitConfig c = VitConfig.named("vit_tiny12_fmnist");
            VisionTransformer vit = VisionTransformer.create(c, m);
            Attention attn = vit.block(0).attention();
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(2, 5, c.embedDim()));
            NDArray t = m.randomNormal(new Shape(2, 3, c.embedDim()));
            Attention.CrossWeights w = attn.sharedWeights(ps);
            NDArray keys = Linear.linear(t, w.wk(), w.bk()).singletonOrThrow();
            NDArray values = Linear.linear(t, w.wv(), w.bv()).singletonOrThrow();

            NDArray withPrompts = attn.forward(ps, x, null, new KeyValuePrompts(keys, values), false);
            // Full self-attention over [x; t], rows of x: the same queries against the same keys and values.
            NDArray full = attn.forward(ps, x.concat(t, 1), null, false).get(":, 0:5, :");
            assertTrue(withPrompts.allClose(full, 1e-5, 1e-5, false), "max diff " + withPrompts.sub(full).abs().max());
            // And they change the output (the seam is not a no-op).
            assertTrue(!withPrompts.allClose(attn.forward(ps, x, null, false), 1e-3, 1e-3, false));
        }
    }
}
