package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.notebook.CrossAttentionAnalysis;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.testutil.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CVPT's cross-attention as {@link CrossVisualPrompts#watch} reports it, and {@link CrossAttentionAnalysis}'s per-block
 * statistics of it, against make_seg_fixtures.py (the tiny trunk with the methods fixture's position-3 prompts, an
 * evaluation forward): each block's attention over the prompts and output, entropy / log M, largest weight, spatial
 * share. Relative error ≤ 1e-5.
 */
class CrossAttentionParityTest {
    private static final Map<String, RawTensor> T = SegFixtures.tensors("cross_attention.safetensors");

    @Test
    void theWatchedAttentionAndItsStatisticsMatchTheReference() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = BackboneDropoutParityTest.model(m, 0f);
            CrossVisualPrompts cvpt = (CrossVisualPrompts) model.method();
            CrossAttentionAnalysis.Accumulator acc = new CrossAttentionAnalysis.Accumulator(12);
            int[] seen = {0};
            double[] worst = {0};
            cvpt.watch((block, w, o) -> {
                assertEquals(new Shape(2, 3, 17, 4), w.getShape());
                for (Object[] c : new Object[][] {{"weights", w}, {"output", o}}) {
                    double e = Fixtures.relErr((NDArray) c[1], T.get("block" + block + "." + c[0]));
                    assertTrue(e <= SegFixtures.TOL, "block " + block + " " + c[0] + " rel err " + e);
                    worst[0] = Math.max(worst[0], e);
                }
                assertEquals(seen[0], block, "blocks in order");
                seen[0]++;
                acc.saw(block, w, o);
            });
            model.forward(BackboneDropoutParityTest.images(m), false);
            assertEquals(12, seen[0]);
            CrossAttentionAnalysis a = acc.result(4, 2);
            check("entropy", a.entropy());
            check("largest", a.largestWeight());
            check("spatial", a.spatialShare());

            // a training forward is not watched
            cvpt.watch((block, w, o) -> fail("watched a training forward"));
            model.forward(BackboneDropoutParityTest.images(m), true);
            cvpt.watch(null);
            System.out.printf("cross-attention: max relative error %.1e%n", worst[0]);
        }
    }

    /** The statistics' ends: uniform attention has entropy 1 and largest weight 1/M; one-hot 0 and 1; equal outputs 0. */
    @Test
    void uniformAndOneHotAttentionAreTheEnds() {
        try (NDManager m = NDManager.newBaseManager()) {
            CrossAttentionAnalysis.Accumulator acc = new CrossAttentionAnalysis.Accumulator(2);
            NDArray uniform = m.full(new Shape(2, 3, 5, 4), 0.25f);
            NDArray same = m.create(new float[] {1, 2, 3}).broadcast(new Shape(2, 5, 3));
            acc.saw(0, uniform, same);
            NDArray oneHot = m.zeros(new Shape(2, 3, 5, 4));
            oneHot.set(new ai.djl.ndarray.index.NDIndex(":, :, :, 2"), 1f);
            NDArray varying = m.arange(30f).reshape(2, 5, 3);
            acc.saw(1, oneHot, varying);
            CrossAttentionAnalysis a = acc.result(4, 2);
            assertEquals(1.0, a.entropy()[0], 1e-6);
            assertEquals(0.25, a.largestWeight()[0], 1e-7);
            assertEquals(0.0, a.spatialShare()[0], 1e-7);
            assertEquals(0.0, a.entropy()[1], 1e-6);
            assertEquals(1.0, a.largestWeight()[1], 1e-7);
            assertTrue(a.spatialShare()[1] > 0.1, "patches 1..4 of each image differ");
            assertTrue(Double.isNaN(acc.result(1, 2).entropy()[0]), "one prompt: no entropy to speak of");
        }
    }

    private static void check(String name, double[] actual) {
        float[] f = new float[actual.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) actual[i];
        }
        double e = Fixtures.relErr(f, T.get(name).toFloatArray());
        assertTrue(e <= SegFixtures.TOL, name + " rel err " + e);
    }
}
