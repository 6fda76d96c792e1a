package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.checkpoint.PosEmbed;
import dev.vptlab.checkpoint.RawTensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The segmentation position table (mmseg's {@code resize_pos_embed}: bilinear, align_corners False) against
 * {@link Bilinear}, whose torch parity {@code BilinearParityTest} proves: the same patch table resized both ways must
 * agree, and the CLS entry must stay as it was.
 */
class PosEmbedBilinearTest {
    @Test
    void theResampledTableIsTorchsBilinearResizeWithTheClsEntryKept() {
        // The ADE20K setups only enlarge the table: ViT-B 14 -> 32, ViT-L (384 px) 24 -> 32.
        for (int[] c : new int[][] {{14, 32, 8}, {24, 32, 6}, {4, 7, 5}}) {
            int g = c[0];
            int ng = c[1];
            int d = c[2];
            Random r = new Random(g * 31 + ng);
            float[] v = new float[(1 + g * g) * d];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            RawTensor out = PosEmbed.resampleBilinear(RawTensor.ofFloats(new long[] {1, 1 + g * g, d}, v), ng);
            float[] got = out.toFloatArray();
            for (int k = 0; k < d; k++) {
                assertEquals(v[k], got[k], "CLS entry " + k);
            }
            try (NDManager m = NDManager.newBaseManager()) {
                // [1, g², D] patch part -> [1, D, g, g] image
                float[] patches = java.util.Arrays.copyOfRange(v, d, v.length);
                NDArray img = m.create(patches, new Shape(1, g, g, d)).transpose(0, 3, 1, 2);
                float[] want = Bilinear.resize(img, ng, ng).transpose(0, 2, 3, 1).toFloatArray();
                double maxRel = 0;
                for (int i = 0; i < want.length; i++) {
                    double err = Math.abs(got[d + i] - want[i]) / Math.max(1e-6, Math.abs(want[i]));
                    maxRel = Math.max(maxRel, Math.abs(got[d + i] - want[i]) <= 1e-6 ? 0 : err);
                }
                assertEquals(0, maxRel, 1e-5, g + "->" + ng + ": max relative error " + maxRel);
            }
        }
    }
}
