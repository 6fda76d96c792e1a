package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.ClassifierHead;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptMethod;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.prompt.VptDeep;
import dev.vptlab.testutil.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PromptedVit#features} (blocks 4, 8, 11; CLS and prompts dropped, patches row-major to [B, D, grid, grid], no
 * final norm: mmseg's ViT with {@code final_norm=False}) against the reference block loop of make_fixtures.py on the
 * tiny trunk, with the VPT-deep and the gated (gates + clamped temperature) prompts of the methods fixtures. Relative
 * error ≤ 1e-5 (seen ≤ 1e-6).
 */
class DenseTapsParityTest {
    static final int[] TAPS = {4, 8, 11};

    @ParameterizedTest
    @ValueSource(strings = {"vpt_deep_mae", "gated_mae"})
    void tapsMatchTheReference(String name) {
        Map<String, RawTensor> expected = SegFixtures.tensors("taps.safetensors");
        Map<String, RawTensor> saved = Fixtures.tensors(Fixtures.methods(name + ".safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
            BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
            PromptMethod method = name.startsWith("gated") ? new GatedPrompts(vit, m, 3, 0.1f, 1f, true, true)
                    : new VptDeep(vit, m, 3, 0.1f);
            PromptedVit model = new PromptedVit(vit, method, Pooling.MEAN_PROMPTS_AND_PATCHES,
                    new ClassifierHead(m, vit.config().embedDim(), 5, ClassifierHead.Init.GATED), m);
            Map<String, RawTensor> params = new LinkedHashMap<>();
            saved.forEach((k, v) -> {
                if (k.startsWith("param.")) {
                    params.put(k.substring(6), v);
                }
            });
            model.loadTrainable(params, name);
            NDArray images = Fixtures.array(m, Fixtures.tensors(Fixtures.vit("inputs.safetensors")).get("images"));
            NDList taps = model.features(images, TAPS, false);
            assertEquals(TAPS.length, taps.size());
            double worst = 0;
            for (int j = 0; j < TAPS.length; j++) {
                assertEquals(new Shape(2, 24, 4, 4), taps.get(j).getShape());
                double e = Fixtures.relErr(taps.get(j), expected.get(name + ".tap" + TAPS[j]));
                assertTrue(e <= SegFixtures.TOL, name + " tap " + TAPS[j] + " rel err " + e);
                worst = Math.max(worst, e);
            }
            System.out.printf("taps %s: max relative error %.1e%n", name, worst);
        }
    }
}
