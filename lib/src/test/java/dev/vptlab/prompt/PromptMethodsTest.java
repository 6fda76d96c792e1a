package dev.vptlab.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.model.Attention;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.testutil.Fixtures;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptMethodsTest {
    NDManager m;
    VisionTransformer vit;
    NDArray images;

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        Engine.getInstance().setRandomSeed(7);
        m = NDManager.newBaseManager();
        vit = VisionTransformer.create(Fixtures.TINY, m);
        BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
        images = Fixtures.array(m, Fixtures.tensors(Fixtures.vit("inputs.safetensors")).get("images"));
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private PromptedVit model(MethodConfig c) {
        return c.model(vit, m, Pooling.MEAN_PROMPTS_AND_PATCHES, 5);
    }

    private NDArray loss(NDArray logits) {
        return logits.logSoftmax(1).mul(m.create(new long[] {1, 3}).oneHot(5)).sum(new int[] {1}).neg().mean();
    }

    @Test
    void oneStepChangesOnlyTrainableParameters() {
        for (String method : dev.vptlab.prompt.Methods.builtIn()) {
            PromptedVit model = model(MethodConfig.of(method, 2).withSettings(java.util.Map.of("gate_init", 1f)));
            Map<String, float[]> trunk = new HashMap<>();
            vit.namedParameters().forEach((k, p) -> trunk.put(k, p.getArray().toFloatArray()));
            Map<String, float[]> before = new HashMap<>();
            model.trainableParameters().forEach((k, a) -> before.put(k, a.toFloatArray()));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss(model.forward(images, true)));
            }
            // a plain SGD step on everything that has a gradient
            model.trainableParameters().forEach((k, a) -> a.subi(a.getGradient().mul(0.5f)));
            vit.namedParameters().forEach((k, p) -> {
                assertFalse(p.getArray().hasGradient(), method + ": " + k + " has a gradient");
                assertArrayEquals(trunk.get(k), p.getArray().toFloatArray(), method + ": " + k + " changed");
            });
            model.trainableParameters().forEach((k, a) ->
                    assertFalse(java.util.Arrays.equals(before.get(k), a.toFloatArray()), method + ": " + k + " did not move"));
        }
    }

    @Test
    void vitB16TrainableCountsFollowTheSpecArithmetic() {
        try (NDManager big = NDManager.newBaseManager()) {
            VisionTransformer b = VisionTransformer.create(VitConfig.VIT_B16, big);
            PromptedVit cvpt = MethodConfig.of("cvpt", 10).model(b, big, Pooling.CLS, 100);
            assertEquals(Map.of("prompts", 92_160L, "head", 76_900L), cvpt.parameterGroups());
            PromptedVit deep = MethodConfig.of("vpt-deep", 10).model(b, big, Pooling.CLS, 100);
            assertEquals(92_160L, deep.parameterGroups().get("prompts"));
            PromptedVit gated = MethodConfig.of("gated", 100).model(b, big, Pooling.MEAN_PROMPTS_AND_PATCHES, 1);
            assertEquals(Map.of("prompts", 76_800L, "gates", 11L, "temperatures", 12L, "head", 769L), gated.parameterGroups());
            PromptedVit learnable = CrossVisualPrompts.Config.of(10).withCross(3, CrossVisualPrompts.Weights.SHARED_LEARNABLE)
                    .model(b, big, Pooling.CLS, 1);
            assertEquals(28_348_416L, learnable.parameterGroups().get("cross-attention weights"));
        }
    }

    @Test
    void gateInitIsNegatedAndTemperaturesStartAtOne() {
        GatedPrompts g = (GatedPrompts) GatedPrompts.Config.of(3).withGates(5f, true, true).build(vit, m);
        float[] gates = g.gates();
        assertEquals(11, gates.length);
        assertEquals(0.00669, gates[0], 1e-5); // σ(−5): the official code starts γ at −GATE_INIT
        for (float t : g.temperatures()) {
            assertEquals(1f, t);
        }
    }

    @Test
    void temperatureIsClampedInPlaceBeforeEveryForward() {
        GatedPrompts g = (GatedPrompts) MethodConfig.of("gated", 3).build(vit, m);
        NDArray t = g.parameters().get("temperatures");
        float[] v = new float[12];
        java.util.Arrays.fill(v, 1f);
        v[0] = 0.001f;
        v[1] = -3f;
        v[2] = 25f;
        t.set(java.nio.FloatBuffer.wrap(v));
        g.beginForward(new ParameterStore(m, false), false);
        float[] c = t.toFloatArray();
        assertEquals(0.01f, c[0]);
        assertEquals(0.01f, c[1]);
        assertEquals(10f, c[2]);
        assertEquals(1f, c[3]);
    }

    @Test
    void selectionRatiosFollowEquation8() {
        GatedPrompts g = (GatedPrompts) GatedPrompts.Config.of(3).withGates(0f, true, false).build(vit, m);
        // all gates 0.5: g̃_l = 0.5^(12-l) for l = 1..11
        double[] r = dev.vptlab.notebook.GateAnalysis.selectionRatios(g.gates(), false);
        assertEquals(1.0, java.util.Arrays.stream(r).sum(), 1e-12);
        assertEquals(2 * r[9], r[10], 1e-12);
        double[] withInput = dev.vptlab.notebook.GateAnalysis.selectionRatios(g.gates(), true);
        assertTrue(withInput[10] < r[10]);
    }

    @Test
    void promptDropoutDrawsAMaskPerSample() {
        NDArray p = m.ones(new Shape(1, 50, 24));
        NDArray d = PromptDropout.apply(p, 2, 0.5f, true);
        assertFalse(java.util.Arrays.equals(d.get(0).toFloatArray(), d.get(1).toFloatArray()), "samples share one mask");
        assertEquals(2f, d.max().getFloat(), 1e-6); // kept values scaled by 1/(1-p)
        assertEquals(p.broadcast(new Shape(2, 50, 24)).sum().getFloat(), PromptDropout.apply(p, 2, 0.5f, false).sum().getFloat());
    }

    @Test
    void cvptSharesTheFrozenSelfAttentionWeights() {
        Attention.CrossWeights w = vit.block(4).attention().sharedWeights(new ParameterStore(m, false));
        float[] qkv = vit.namedParameters().get("blocks.4.attn.qkv.weight").getArray().toFloatArray();
        int d = 24;
        assertArrayEquals(java.util.Arrays.copyOfRange(qkv, d * d, 2 * d * d), w.wk().toFloatArray());
        assertArrayEquals(vit.namedParameters().get("blocks.4.attn.proj.weight").getArray().toFloatArray(), w.wo().toFloatArray());
        PromptedVit model = model(MethodConfig.of("cvpt", 4));
        assertEquals(java.util.Set.of("cross_prompts", "head.weight", "head.bias"), model.trainableParameters().keySet());
        assertEquals(0.0, Fixtures.relErr(model.forward(images, false), toRaw(model.forward(images, false))));
    }

    @Test
    void frozenPrefixPlusSuffixEqualsTheFullForward() {
        for (int k : new int[] {1, 7, 12}) {
            PromptedVit model = model(VptShallow.Config.of(3).withInsertBlock(k));
            assertEquals(k - 1, model.method().firstTrainableBlock());
            NDArray full = model.forward(images, false);
            NDArray cached = model.forwardFrom(k - 1, model.prefix(images, k - 1), false);
            assertTrue(Fixtures.relErr(cached, toRaw(full)) <= 1e-6, "k=" + k);
        }
    }

    @Test
    void badValuesAreRefusedWithTheirRange() {
        VptlabException e = assertThrows(VptlabException.class, () -> VptShallow.Config.of(3).withInsertBlock(13).build(vit, m));
        assertEquals("prompt insert block 13 is out of range 1..12", e.getMessage());
        assertThrows(VptlabException.class, () -> VptShallow.Config.of(3).withInsertBlock(0).build(vit, m));
        assertTrue(assertThrows(VptlabException.class, () -> MethodConfig.of("cvpt", 0)).getMessage().contains("at least 1"));
        assertTrue(assertThrows(VptlabException.class, () -> CrossVisualPrompts.Config.of(4).withCross(6, CrossVisualPrompts.Weights.SHARED_FROZEN))
                .getMessage().contains("out of range 1..5"));
        assertTrue(assertThrows(VptlabException.class, () -> MethodConfig.of("prefix", 4)).getMessage().contains("known: vpt-shallow"));
    }

    @Test
    void promptFilesThatDoNotFitAreRefusedWholly() {
        PromptedVit model = model(MethodConfig.of("gated", 3));
        Map<String, RawTensor> saved = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, a) -> saved.put(k, RawTensor.ofFloats(a.getShape().getShape(), new float[(int) a.size()])));
        saved.put("gate_logits", RawTensor.ofFloats(new long[] {23}, new float[23]));
        float[] before = model.trainableParameters().get("prompts").toFloatArray();
        PromptFileException e = assertThrows(PromptFileException.class, () -> model.loadTrainable(saved, "ckpt.safetensors"));
        assertTrue(e.getMessage().contains("'gate_logits' has shape [23], the model needs [11] (one gate per block 1..L-1, L = 12)"),
                e.getMessage());
        assertArrayEquals(before, model.trainableParameters().get("prompts").toFloatArray(), "nothing loaded");
        saved.remove("gate_logits");
        assertTrue(assertThrows(PromptFileException.class, () -> model.loadTrainable(saved, "f")).getMessage().contains("missing 'gate_logits'"));
    }

    @Test
    void trainablesRoundTripUnderVptlabNames() {
        PromptedVit a = model(MethodConfig.of("vpt-deep", 2));
        Path f = tmp.resolve("deep.safetensors");
        a.saveTrainable(f);
        PromptedVit b = model(MethodConfig.of("vpt-deep", 2));
        b.loadTrainable(f);
        a.trainableParameters().forEach((k, x) -> assertArrayEquals(x.toFloatArray(), b.trainableParameters().get(k).toFloatArray(), k));
        assertEquals(java.util.List.of("prompts", "deep_prompts", "head.weight", "head.bias"),
                java.util.List.copyOf(dev.vptlab.checkpoint.Safetensors.read(f).tensors().keySet()));
    }

    @Test
    void officialNamesMapBySuffix() {
        assertEquals("prompts", OfficialNames.toVptlab("enc.transformer.prompt_embeddings"));
        assertEquals("deep_prompts", OfficialNames.toVptlab("enc.transformer.deep_prompt_embeddings"));
        assertEquals("gate_logits", OfficialNames.toVptlab("enc.gate_logit"));
        assertEquals("temperatures", OfficialNames.toVptlab("enc.temp"));
        assertEquals("cross_prompts", OfficialNames.toVptlab("Prompt_Tokens"));
        assertEquals("head.weight", OfficialNames.toVptlab("head.last_layer.weight"));
        assertEquals(null, OfficialNames.toVptlab("enc.blocks.0.attn.qkv.weight"));
    }

    private static RawTensor toRaw(NDArray a) {
        return RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray());
    }
}
