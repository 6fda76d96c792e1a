package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.testutil.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link SlideInference} against mmseg v0.15.0's {@code slide_inference} on a 13×21 image, with a per-window model
 * whose output depends on the window's placement (a 1×1 conv plus a projection of the window's mean), so overlaps and
 * counts matter: crop 8 / stride 5 (2×4 windows), crop 16 / stride 10 (taller than the image) and crop 32 (the whole
 * image is one window). Relative error ≤ 1e-5 (seen ≤ 1e-7); the windows are also checked one by one.
 */
class SlideInferenceParityTest {
    @ParameterizedTest
    @CsvSource({"c8s5, 8, 5, 8", "c16s10, 16, 10, 2", "c32s20, 32, 20, 1"})
    void logitsMatchTorch(String name, int crop, int stride, int windows) {
        Map<String, RawTensor> t = SegFixtures.tensors("slide.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray image = SegFixtures.array(m, t.get("image"));
            NDArray w = SegFixtures.array(m, t.get("w"));
            NDArray b = SegFixtures.array(m, t.get("b")).reshape(1, 4, 1, 1);
            NDArray w2 = SegFixtures.array(m, t.get("w2"));
            List<long[]> seen = new ArrayList<>();
            NDArray out = SlideInference.logits(image, crop, stride, 4, window -> {
                Shape s = window.getShape();
                seen.add(new long[] {s.get(2), s.get(3)});
                NDArray local = w.matMul(window.reshape(3, s.get(2) * s.get(3))).reshape(1, 4, s.get(2), s.get(3)).add(b);
                NDArray mean = window.mean(new int[] {3}).mean(new int[] {2}).reshape(3, 1);
                return local.add(w2.matMul(mean).reshape(1, 4, 1, 1));
            });
            assertEquals(windows, seen.size());
            for (long[] s : seen) {
                assertEquals(Math.min(crop, 13), s[0]);
                assertEquals(Math.min(crop, 21), s[1]);
            }
            assertEquals(new Shape(1, 4, 13, 21), out.getShape());
            double e = Fixtures.relErr(out, t.get(name + ".logits"));
            System.out.printf("slide %s: rel err %.1e%n", name, e);
            assertTrue(e <= SegFixtures.TOL, name + " rel err " + e);
        }
    }

    @org.junit.jupiter.api.Test
    void leavesOnlyTheResultInTheImagesManager() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray image = m.randomNormal(new Shape(1, 2, 13, 21));
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                SlideInference.logits(image, 8, 5, 2, window -> window.mul(2)).close();
                assertEquals(before, m.getManagedArrays().size(), "after call " + i);
            }
            // an image smaller than the crop is one window: the whole image, f applied once
            NDArray out = SlideInference.logits(image, 32, 20, 2, window -> window.mul(2));
            assertEquals(0.0, Fixtures.relErr(out.toFloatArray(), image.mul(2).toFloatArray()));
        }
    }
}
