package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.model.BranchPosition;
import dev.vptlab.model.Dropout;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.ClassifierHead;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.OfficialNames;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.testutil.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CVPT with the backbone's plain dropout ({@code drop_rate} 0.1, as CVPT's released ADE20K config builds its ViT) against
 * the PyTorch reference of make_seg_fixtures.py, the reference's dropout masks replayed through
 * {@link Dropout#withUniforms}: the dense taps of a segmentation forward (no drop-path) and the logits of a
 * classification forward (drop-path 0.1·i/11), with the gradients of every trainable tensor. Relative error ≤ 1e-5.
 */
class BackboneDropoutParityTest {
    static final float DROP_RATE = 0.1f;
    static final int[] TAPS = {4, 8, 11};
    static final Map<String, RawTensor> T = SegFixtures.tensors("backbone_dropout.safetensors");

    @Test
    void denseTapsAndPromptGradientsMatchTheReference() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = model(m, 0f);
            Replay masks = new Replay(T, "taps");
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList taps = Dropout.withUniforms(masks, () -> model.features(images(m), TAPS, true));
                NDArray loss = null;
                for (int j = 0; j < TAPS.length; j++) {
                    check("tap " + TAPS[j], taps.get(j), T.get("taps.tap" + TAPS[j]));
                    NDArray term = taps.get(j).square().mean();
                    loss = loss == null ? term : loss.add(term);
                }
                check("loss", loss.reshape(1), T.get("taps.loss"));
                gc.backward(loss);
            }
            masks.assertAllUsed();
            checkGradients(model, T, "taps");
        }
    }

    @Test
    void logitsAndGradientsMatchTheReferenceWithDropPath() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = model(m, 0.1f); // drop-path 0.1·i/11, as CVPT's classification scripts
            Replay masks = new Replay(T, "logits");
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = Dropout.withUniforms(masks, () -> model.forward(images(m), true));
                check("logits", logits, T.get("logits.logits"));
                NDArray loss = logits.logSoftmax(1).mul(m.create(new long[] {1, 3}).oneHot(5)).sum(new int[] {1}).neg().mean();
                check("loss", loss.reshape(1), T.get("logits.loss"));
                gc.backward(loss);
            }
            masks.assertAllUsed();
            checkGradients(model, T, "logits");
        }
    }

    /** The tiny trunk with CVPT (4 prompts per block at position 3, prompt dropout 0.1) and the methods fixture's values. */
    static PromptedVit model(NDManager m, float dropPath) {
        VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
        BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
        CrossVisualPrompts cvpt = new CrossVisualPrompts(vit, m, 4, BranchPosition.AFTER_ATTENTION, 0.1f, dropPath, DROP_RATE,
                CrossVisualPrompts.Weights.SHARED_FROZEN);
        PromptedVit model = new PromptedVit(vit, cvpt, Pooling.CLS,
                new ClassifierHead(m, vit.config().embedDim(), 5, ClassifierHead.Init.TORCH_DEFAULT), m);
        Map<String, RawTensor> params = new LinkedHashMap<>();
        Fixtures.tensors(Fixtures.methods("cvpt_pos3.safetensors")).forEach((k, v) -> {
            if (k.startsWith("param.")) {
                params.put(k.substring(6), v);
            }
        });
        model.loadTrainable(params, "cvpt_pos3");
        return model;
    }

    static NDArray images(NDManager m) {
        return Fixtures.array(m, Fixtures.tensors(Fixtures.vit("inputs.safetensors")).get("images"));
    }

    private static void checkGradients(PromptedVit model, Map<String, RawTensor> t, String which) {
        Map<String, NDArray> trainables = model.trainableParameters();
        int checked = 0;
        for (Map.Entry<String, RawTensor> g : t.entrySet()) {
            String prefix = which + ".grad.";
            if (g.getKey().startsWith(prefix)) {
                String name = g.getKey().substring(prefix.length());
                check("grad " + name, trainables.get(OfficialNames.toVptlab(name)).getGradient(), g.getValue());
                checked++;
            }
        }
        assertEquals(which.equals("taps") ? 1 : trainables.size(), checked, "reference gradients checked");
    }

    private static void check(String what, NDArray actual, RawTensor expected) {
        double e = Fixtures.relErr(actual, expected);
        assertTrue(e <= SegFixtures.TOL, what + " rel err " + e);
        System.out.printf("backbone dropout %s: relative error %.1e%n", what, e);
    }

    /**
     * The reference's keep masks as the uniform draws that reproduce them: 0 where kept (below any keep probability),
     * 1 where dropped; each draw must have the size the reference drew.
     */
    static final class Replay implements Dropout.Uniforms {
        private final float[] keep;
        private final float[] sizes;
        private int draw;
        private int offset;

        Replay(Map<String, RawTensor> t, String which) {
            keep = t.get(which + ".keep").toFloatArray();
            sizes = t.get(which + ".draw_sizes").toFloatArray();
        }

        @Override
        public NDArray draw(NDManager manager, Shape shape) {
            assertTrue(draw < sizes.length, "more mask draws than the reference's " + sizes.length);
            assertEquals((long) sizes[draw], shape.size(), "size of mask draw " + draw + " " + shape);
            float[] u = new float[(int) shape.size()];
            for (int i = 0; i < u.length; i++) {
                u[i] = keep[offset + i] != 0f ? 0f : 1f;
            }
            offset += u.length;
            draw++;
            return manager.create(u, shape);
        }

        void assertAllUsed() {
            assertEquals(sizes.length, draw, "mask draws");
            assertEquals(keep.length, offset, "mask elements");
        }
    }
}
