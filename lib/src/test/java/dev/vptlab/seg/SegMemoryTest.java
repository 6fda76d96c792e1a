package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.PromptDropout;
import dev.vptlab.prompt.VptDeep;
import dev.vptlab.prompt.VptShallow;
import org.junit.jupiter.api.Test;

/**
 * {@link SegMemory} against PyTorch's own count of the tensors autograd saves (make_seg_memory_fixtures.py,
 * {@code saved_tensors_hooks}, unique storages, parameters and 0-d tensors aside) on a tiny segmentor: exact for
 * VPT-deep and Gated PT, trunk and heads separately. The ADE20K figures are checked against our back-of-envelope
 * estimate (ViT-B gated ≈ 60–70 GB at batch 16, ≈ 35 GB of it in the heads; ViT-L CVPT ≈ 100 GB).
 */
class SegMemoryTest {
    private static final double GB = 1e9;

    private static final VitConfig TINY = new VitConfig("tiny4", 32, 4, 3, 48, 4, 3, 192, true, 1e-6f);

    private static SegConfig tiny(MethodConfig method) {
        return SegRecipes.mini("vpt-deep", "(random weights)", 1).with(b -> {
            b.method = method;
            b.taps = new int[] {1, 2, 3};
            b.channels = 16;
            b.decodeConvs = 2;
            b.decodeUp = 2;
            b.auxConvs = 1;
            b.auxUp = 4;
            b.classes = 5;
            b.crop = 32;
            b.batchSize = 2;
        });
    }

    @Test
    void matchesPyTorchSavedTensors() {
        JsonObject f = SegFixtures.json("memory.json");
        JsonObject cases = f.getAsJsonObject("cases");
        assertEquals(2, f.get("batch").getAsInt());
        for (String kind : new String[] {"vpt-deep", "gated", "vpt-shallow", "vpt-shallow@3", "cvpt"}) {
            MethodConfig m = switch (kind) {
                case "gated" -> GatedPrompts.Config.of(3);
                case "vpt-deep" -> VptDeep.Config.of(3);
                case "vpt-shallow" -> VptShallow.Config.of(3);
                case "cvpt" -> new CrossVisualPrompts.Config(3, PromptDropout.DEFAULT_RATE, 3, 0f,
                        CrossVisualPrompts.Weights.SHARED_FROZEN, f.get("cvpt_drop_rate").getAsFloat());
                default -> new VptShallow.Config(3, 3, PromptDropout.DEFAULT_RATE);
            };
            assertEquals(f.get("prompt_dropout").getAsFloat(), m.dropout(), 0f);
            SegMemory est = SegMemory.of(TINY, tiny(m), 2, 0);
            JsonObject c = cases.getAsJsonObject(kind);
            assertEquals(c.get("backbone_bytes").getAsLong(), est.backboneBytes(), kind + " trunk");
            assertEquals(c.get("head_bytes").getAsLong(), est.headBytes(), kind + " heads");
        }
    }

    @Test
    void parametersMatchTheBuiltModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(TINY, m);
            for (String r : SegRecipes.NAMES) {
                SegConfig cfg = tiny(SegRecipes.method(r, 3));
                try (NDManager sub = m.newSubManager()) {
                    SegModel model = SegModel.of(vit, cfg, sub);
                    long method = model.prompted().trainableCount();
                    assertEquals(12 * model.trainableCount(), SegMemory.of(TINY, cfg, 2, method).parameterBytes(), r);
                }
            }
        }
    }

    @Test
    void headOnlyKeepsNothingInTheTrunk() {
        SegMemory head = SegMemory.of(TINY, tiny(null), 2, 0);
        SegMemory vpt = SegMemory.of(TINY, tiny(VptDeep.Config.of(3)), 2, 3L * TINY.depth() * TINY.embedDim());
        assertEquals(0, head.backboneBytes());
        assertTrue(head.headBytes() > 0 && head.headBytes() < vpt.headBytes());  // the taps carry no prompts
    }

    @Test
    void ade20kFiguresAreInTheBallparkOfOurEstimate() {
        SegConfig gated = SegRecipes.ade20k("gated", "(random weights)", "-");
        SegMemory b = SegMemory.of(VitConfig.VIT_B16.withImageSize(512), gated, 16, 100 * 768 + 11 + 12);
        assertTrue(b.total() > 55 * GB && b.total() < 80 * GB, "ViT-B gated " + b);
        assertTrue(b.headBytes() > 28 * GB && b.headBytes() < 45 * GB, "ViT-B gated heads " + b);
        SegConfig cvpt = SegRecipes.ade20k("cvpt", "(random weights)", "-").with(c -> c.taps = SegRecipes.taps(24));
        SegMemory l = SegMemory.of(VitConfig.VIT_L16.withImageSize(512), cvpt, 16, 24 * 10 * 1024);
        assertTrue(l.total() > 80 * GB && l.total() < 130 * GB, "ViT-L CVPT " + l);
    }
}
