package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vptlab.data.Image;
import dev.vptlab.data.Transform;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentationsTest {
    static Image ramp() {
        float[] d = new float[28 * 28];
        for (int i = 0; i < d.length; i++) {
            d[i] = i % 256;
        }
        return new Image(1, 28, 28, d);
    }

    @Test
    void centreAddsATwoPixelBlackMarginAndNormalises() {
        float[] out = Augmentations.center().apply(ramp(), null);
        assertEquals(32 * 32, out.length);
        float black = (0f / 255f - FashionMnistImages.MEAN) / FashionMnistImages.STD;
        assertEquals(black, out[0], 0f);
        assertEquals(black, out[33], 0f);
        assertEquals((0f / 255f - FashionMnistImages.MEAN) / FashionMnistImages.STD, out[2 * 32 + 2], 0f);
        assertEquals((5f / 255f - FashionMnistImages.MEAN) / FashionMnistImages.STD, out[2 * 32 + 7], 1e-6f);
    }

    @Test
    void viewsAreAFunctionOfTheSeedAndDiffer() {
        for (Transform t : new Transform[] {Augmentations.translateFlip(2), Augmentations.mocoView()}) {
            float[] a = t.apply(ramp(), new Random(9));
            assertArrayEquals(a, t.apply(ramp(), new Random(9)));
            assertEquals(32 * 32, a.length);
            boolean anyDiffer = false;
            for (int s = 10; s < 20 && !anyDiffer; s++) {
                anyDiffer = !Arrays.equals(a, t.apply(ramp(), new Random(s)));
            }
            assertFalse(!anyDiffer, "different seeds give different views");
            assertFalse(t.deterministic());
        }
    }
}
