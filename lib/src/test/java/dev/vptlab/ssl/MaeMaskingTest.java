package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.VitConfig;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaeMaskingTest {
    static final int B = 5;
    static final int L = 64;

    @Test
    void keepsExactlyAQuarterPerSampleAndRestoresOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            RandomMasking mask = RandomMasking.draw(m, B, L, MaePretraining.MASK_RATIO);
            assertEquals(16, mask.kept());
            assertEquals(new Shape(B, 16), mask.idsKeep().getShape());
            float[] masked = mask.mask().toFloatArray();
            long[] keep = mask.idsKeep().toLongArray();
            for (int b = 0; b < B; b++) {
                int hidden = 0;
                for (int t = 0; t < L; t++) {
                    hidden += masked[b * L + t] == 1f ? 1 : 0;
                }
                assertEquals(48, hidden, "sample " + b);
                Set<Long> kept = new HashSet<>();
                for (int j = 0; j < 16; j++) {
                    long t = keep[b * 16 + j];
                    kept.add(t);
                    assertEquals(0f, masked[b * L + (int) t], "a kept patch must be unmasked");
                }
                assertEquals(16, kept.size(), "distinct kept patches");
            }
            // token values = (b, t) code in every channel: keep() picks exactly idsKeep's tokens
            float[] v = new float[B * L * 3];
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < L; t++) {
                    for (int c = 0; c < 3; c++) {
                        v[(b * L + t) * 3 + c] = 1000 * b + t + 0.1f * c;
                    }
                }
            }
            NDArray x = m.create(v, new Shape(B, L, 3));
            float[] k = mask.keep(x).toFloatArray();
            for (int b = 0; b < B; b++) {
                for (int j = 0; j < 16; j++) {
                    assertEquals(1000 * b + keep[b * 16 + j] + 0.2f, k[(b * 16 + j) * 3 + 2], 1e-3);
                }
            }
            // kept tokens followed by the removed ones (shuffled order), restored → the original sequence
            NDArray shuffled = x.gather(mask.idsShuffle().expandDims(2).repeat(2, 3), 1);
            NDArray rebuilt = mask.restore(NDArrays.concat(new NDList(mask.keep(x), shuffled.get(":, 16:, :")), 1));
            assertArrayEquals(v, rebuilt.toFloatArray());
            // idsRestore is the inverse permutation of idsShuffle
            long[] restoredIds = mask.idsShuffle().gather(mask.idsRestore(), 1).toLongArray();
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < L; t++) {
                    assertEquals(t, restoredIds[b * L + t]);
                }
            }
        }
    }

    @Test
    void patchifyFollowsThePatchEmbeddingTokenOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            VitConfig c = VitConfig.VIT_TINY12_FMNIST;
            NDArray img = m.arange(0, 32 * 32, 1, DataType.FLOAT32).reshape(1, 1, 32, 32);
            float[] p = MaePretraining.patchify(img, c).toFloatArray();
            for (int t = 0; t < 64; t++) {
                int row = t / 8;
                int col = t % 8;
                for (int py = 0; py < 4; py++) {
                    for (int px = 0; px < 4; px++) {
                        float want = (row * 4 + py) * 32 + col * 4 + px;
                        assertEquals(want, p[t * 16 + py * 4 + px], "token " + t);
                    }
                }
            }
        }
    }
}
