package dev.vptlab.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.testutil.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every format and key layout, loaded strictly, computes what the PyTorch reference computes. */
class BackboneParityTest {
    static final double TOL = 1e-5;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "vit_timm.safetensors, TIMM",
        "vit_mae.pth, MAE",
        "vit_moco_pretrain.pth.tar, MOCO_V3_PRETRAIN",
        "vit_moco_linear.pth.tar, MOCO_V3_LINEAR",
        "vit_google.npz, GOOGLE_NPZ"
    })
    void forwardMatchesReference(String file, CheckpointSource source) {
        Map<String, RawTensor> inputs = Fixtures.tensors(Fixtures.vit("inputs.safetensors"));
        Map<String, RawTensor> expected = Fixtures.tensors(Fixtures.vit("expected.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoint c = Checkpoint.read(Fixtures.vit(file));
            assertEquals(source, c.source());
            VisionTransformer vit = VisionTransformer.create(c.architecture().config(3), m);
            LoadReport r = BackboneLoader.loadInto(vit, c);
            assertEquals(150, r.tensors());
            assertEquals(Fixtures.TINY.trunkParameterCount(), r.parameters());
            ParameterStore ps = new ParameterStore(m, false);
            NDArray images = Fixtures.array(m, inputs.get("images"));
            NDArray x = vit.embed(ps, images, false);
            assertTrue(Fixtures.relErr(x, expected.get("embed")) <= TOL, "embed");
            for (int i = 0; i < vit.depth(); i++) {
                x = vit.block(ps, i, x, BlockOptions.PLAIN, false);
                double e = Fixtures.relErr(x, expected.get("block." + i));
                assertTrue(e <= TOL, "block " + i + " rel err " + e);
            }
            double e = Fixtures.relErr(vit.finalNorm(ps, x, false), expected.get("tokens"));
            assertTrue(e <= TOL, "tokens rel err " + e);
            // The Block API path computes the same thing.
            NDArray viaBlock = vit.forward(ps, new ai.djl.ndarray.NDList(images), false).singletonOrThrow();
            assertTrue(Fixtures.relErr(viaBlock, expected.get("tokens")) <= TOL);
        }
    }

    @Test
    void ignoredKeysAreReportedPerSource() {
        Checkpoint pre = Checkpoint.read(Fixtures.vit("vit_moco_pretrain.pth.tar"));
        assertTrue(pre.ignored().stream().anyMatch(k -> k.startsWith("module.momentum_encoder.") && k.endsWith("(momentum encoder)")));
        assertTrue(pre.ignored().stream().anyMatch(k -> k.startsWith("module.predictor.")));
        assertTrue(pre.ignored().stream().anyMatch(k -> k.startsWith("module.base_encoder.head.")));
        assertTrue(pre.otherEntries().containsAll(java.util.List.of("epoch", "arch", "optimizer", "scaler")));
        Checkpoint lin = Checkpoint.read(Fixtures.vit("vit_moco_linear.pth.tar"));
        assertEquals(java.util.List.of("module.head.weight (linear-probe head)", "module.head.bias (linear-probe head)"), lin.ignored());
        Checkpoint npz = Checkpoint.read(Fixtures.vit("vit_google.npz"));
        assertEquals(4, npz.ignored().size());
        assertTrue(Checkpoint.read(Fixtures.vit("vit_mae.pth")).ignored().isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"vit_timm_f16.safetensors, 1e-3", "vit_timm_bf16.safetensors, 8e-3"})
    void halfPrecisionFilesLoadAsFloat32(String file, double tol) {
        Map<String, RawTensor> ref = Fixtures.tensors(Fixtures.vit("vit_timm.safetensors"));
        Checkpoint c = Checkpoint.read(Fixtures.vit(file));
        Map<String, RawTensor> got = BackboneLoader.match(c, BackboneLoader.expectedShapes(Fixtures.TINY), new java.util.ArrayList<>());
        for (String k : ref.keySet()) {
            float[] a = got.get(k).toFloatArray();
            float[] b = ref.get(k).toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertTrue(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), k + "[" + i + "] " + a[i] + " vs " + b[i]);
            }
        }
    }
}
