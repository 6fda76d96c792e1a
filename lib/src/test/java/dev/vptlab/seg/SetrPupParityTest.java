package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.InPlace;
import dev.vptlab.testutil.Fixtures;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SETR-PUP head against the PyTorch restatement of mmseg v0.15.0's {@code SETRUPHead} (make_seg_fixtures.py):
 * train-mode logits (batch statistics), the gradient of sum(logits·probe) with respect to every parameter and to the
 * input map, the running statistics after the step (unbiased variance), and eval-mode logits with non-trivial running
 * statistics. Max relative error ≤ 1e-5 (seen: ≤ 1.2e-6 on the gradients of the aux head, ≤ 5e-7 elsewhere).
 */
class SetrPupParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"pup_decode", "pup_aux"})
    void trainAndEvalMatchTorch(String name) {
        Safetensors.Contents c = Safetensors.read(SegFixtures.path(name + ".safetensors"));
        Map<String, String> meta = c.metadata();
        Map<String, RawTensor> t = c.tensors();
        SetrPup cfg = new SetrPup(Integer.parseInt(meta.get("in_dim")), Integer.parseInt(meta.get("channels")),
                Integer.parseInt(meta.get("convs")), Integer.parseInt(meta.get("up_scale")), Integer.parseInt(meta.get("classes")));
        try (NDManager m = NDManager.newBaseManager()) {
            SetrPupHead head = new SetrPupHead(m, "decode_head.", cfg);
            assertEquals(head.parameters().size(), t.keySet().stream().filter(k -> k.startsWith("param.")).count());
            head.parameters().forEach((k, p) -> InPlace.copy(p, SegFixtures.array(m, t.get("param." + k))));
            head.buffers().forEach((k, b) -> InPlace.copy(b, SegFixtures.array(m, t.get("buffer." + k))));
            NDArray map = SegFixtures.array(m, t.get("map"));
            map.setRequiresGradient(true);
            NDArray probe = SegFixtures.array(m, t.get("probe"));
            NDArray logits;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = head.forward(map, true);
                gc.backward(logits.mul(probe).sum());
            }
            double worst = 0;
            worst = Math.max(worst, check(name + " logits_train", logits, t.get("logits_train")));
            for (Map.Entry<String, NDArray> p : head.parameters().entrySet()) {
                worst = Math.max(worst, check(name + " grad " + p.getKey(), p.getValue().getGradient(), t.get("grad." + p.getKey())));
            }
            worst = Math.max(worst, check(name + " grad map", map.getGradient(), t.get("grad.map")));
            for (Map.Entry<String, NDArray> b : head.buffers().entrySet()) {
                worst = Math.max(worst, check(name + " updated " + b.getKey(), b.getValue(), t.get("updated." + b.getKey())));
                assertTrue(!b.getValue().hasGradient(), "buffers take no gradient");
            }
            head.buffers().forEach((k, b) -> InPlace.copy(b, SegFixtures.array(m, t.get("buffer." + k))));
            NDArray eval = head.forward(SegFixtures.array(m, t.get("map")), false);
            worst = Math.max(worst, check(name + " logits_eval", eval, t.get("logits_eval")));
            head.buffers().forEach((k, b) -> assertEquals(0.0, Fixtures.relErr(b, t.get("buffer." + k)), "eval leaves " + k));
            System.out.printf("%s: max relative error %.2e%n", name, worst);
        }
    }

    private static double check(String what, NDArray actual, RawTensor expected) {
        double e = Fixtures.relErr(actual, expected);
        assertTrue(e <= SegFixtures.TOL, what + " rel err " + e);
        return e;
    }
}
