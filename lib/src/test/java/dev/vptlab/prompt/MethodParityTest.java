package dev.vptlab.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.BranchPosition;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.testutil.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits and the gradient of every trainable tensor match the PyTorch reference (dropout and
 * drop-path off): max relative error ≤ 1e-5, relative to each tensor's largest magnitude. The fixture
 * values are loaded through the official state-dict names, which also covers interoperability.
 */
class MethodParityTest {
    static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"vpt_shallow_mae", "vpt_shallow_moco", "vpt_deep_mae", "vpt_deep_moco", "block_k1_mae",
        "block_k7_mae", "block_k12_mae", "block_k7_moco", "gated_mae", "gated_moco", "gated_gates_only_mae",
        "gated_temp_only_mae", "cvpt_pos1", "cvpt_pos2", "cvpt_pos3", "cvpt_pos4", "cvpt_pos5", "cvpt_pos3_m1"})
    void logitsAndGradientsMatch(String name) {
        Safetensors.Contents c = Safetensors.read(Fixtures.methods(name + ".safetensors"));
        Map<String, String> meta = c.metadata();
        Map<String, RawTensor> t = c.tensors();
        Map<String, RawTensor> inputs = Fixtures.tensors(Fixtures.vit("inputs.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
            BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
            PromptedVit model = build(vit, m, meta);
            Map<String, RawTensor> params = new LinkedHashMap<>();
            t.forEach((k, v) -> {
                if (k.startsWith("param.")) {
                    params.put(k.substring(6), v);
                }
            });
            model.loadTrainable(params, name);
            NDArray images = Fixtures.array(m, inputs.get("images"));
            NDArray labels = m.create(new long[] {1, 3});
            NDArray logits;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = model.forward(images, false);
                NDArray loss = logits.logSoftmax(1).mul(labels.oneHot(5)).sum(new int[] {1}).neg().mean();
                gc.backward(loss);
                assertTrue(Math.abs(loss.getFloat() - t.get("loss").toFloatArray()[0]) <= 1e-5 * Math.abs(loss.getFloat()) + 1e-6);
            }
            double e = Fixtures.relErr(logits, t.get("logits"));
            assertTrue(e <= TOL, name + " logits rel err " + e);
            Map<String, NDArray> trainables = model.trainableParameters();
            int checked = 0;
            for (Map.Entry<String, RawTensor> g : t.entrySet()) {
                if (!g.getKey().startsWith("grad.")) {
                    continue;
                }
                NDArray p = trainables.get(OfficialNames.toVptlab(g.getKey().substring(5)));
                double ge = Fixtures.relErr(p.getGradient(), g.getValue());
                assertTrue(ge <= TOL, name + " grad " + g.getKey() + " rel err " + ge);
                checked++;
            }
            assertEquals(trainables.size(), checked, "every trainable tensor has a reference gradient");
            if (t.containsKey("clamped.temp")) {
                assertTrue(Fixtures.relErr(trainables.get("temperatures"), t.get("clamped.temp")) == 0.0);
            }
            vit.namedParameters().forEach((k, p) -> assertTrue(!p.getArray().hasGradient(), k + " must stay frozen"));
        }
    }

    /**
     * Regression: gradients stay exact when the GC runs between forward and backward. DJL's
     * {@code mul(Number)} backs the number with a Java direct buffer that it frees right after the op,
     * while autograd keeps the tensor for the backward pass; with the GC in between, gradients read
     * recycled memory. Here the GC runs and small direct buffers full of NaN are recycled on purpose.
     */
    @org.junit.jupiter.api.Test
    void gradientsSurviveAGarbageCollectionBeforeBackward() {
        Safetensors.Contents c = Safetensors.read(Fixtures.methods("gated_mae.safetensors"));
        Map<String, RawTensor> t = c.tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
            BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
            PromptedVit model = build(vit, m, c.metadata());
            Map<String, RawTensor> params = new LinkedHashMap<>();
            t.forEach((k, v) -> {
                if (k.startsWith("param.")) {
                    params.put(k.substring(6), v);
                }
            });
            model.loadTrainable(params, "gated_mae");
            NDArray images = Fixtures.array(m, Fixtures.tensors(Fixtures.vit("inputs.safetensors")).get("images"));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.forward(images, false).logSoftmax(1).mul(m.create(new long[] {1, 3}).oneHot(5))
                        .sum(new int[] {1}).neg().mean();
                for (int round = 0; round < 5; round++) {
                    System.gc();
                    for (int i = 0; i < 20_000; i++) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 + (i % 4) * 4).order(java.nio.ByteOrder.nativeOrder());
                        while (b.remaining() >= 4) {
                            b.putFloat(Float.NaN);
                        }
                    }
                }
                gc.backward(loss);
            }
            Map<String, NDArray> trainables = model.trainableParameters();
            for (String name : new String[] {"prompt_embeddings", "gate_logit", "temp", "head.weight"}) {
                double ge = Fixtures.relErr(trainables.get(OfficialNames.toVptlab(name)).getGradient(), t.get("grad." + name));
                assertTrue(ge <= TOL, "grad " + name + " rel err " + ge);
            }
        }
    }

    static PromptedVit build(VisionTransformer vit, NDManager m, Map<String, String> meta) {
        Pooling pool = meta.get("pool").equals("mae") ? Pooling.MEAN_PROMPTS_AND_PATCHES : Pooling.CLS;
        int classes = Integer.parseInt(meta.get("num_classes"));
        PromptMethod method;
        ClassifierHead.Init init = ClassifierHead.Init.GATED;
        if (meta.containsKey("insert")) {
            method = new CrossVisualPrompts(vit, m, Integer.parseInt(meta.get("prompts_per_block")),
                    BranchPosition.of(Integer.parseInt(meta.get("insert"))), 0.1f, 0.1f, CrossVisualPrompts.Weights.SHARED_FROZEN);
            init = ClassifierHead.Init.TORCH_DEFAULT;
        } else {
            int np = Integer.parseInt(meta.get("num_prompts"));
            boolean gates = Boolean.parseBoolean(meta.get("gates").toLowerCase());
            boolean temp = Boolean.parseBoolean(meta.get("temperature").toLowerCase());
            if (gates || temp) {
                method = new GatedPrompts(vit, m, np, 0.1f, 1f, gates, temp);
            } else if (Boolean.parseBoolean(meta.get("deep").toLowerCase())) {
                method = new VptDeep(vit, m, np, 0.1f);
            } else {
                method = new VptShallow(vit, m, np, Integer.parseInt(meta.get("start_block")), 0.1f);
            }
        }
        return new PromptedVit(vit, method, pool, new ClassifierHead(m, vit.config().embedDim(), classes, init), m);
    }
}
