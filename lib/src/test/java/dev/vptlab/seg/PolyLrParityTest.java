package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** {@link PolyLr} against mmcv 1.3.9's {@code PolyLrUpdaterHook} (min_lr 1e-4) computed in float64: ≤ 1e-15 relative. */
class PolyLrParityTest {
    @Test
    void matchesMmcv() {
        int n = 0;
        for (JsonElement e : SegFixtures.json("poly_lr.json").getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            double expected = c.get("lr").getAsDouble();
            double lr = PolyLr.lr(c.get("base").getAsDouble(), c.get("t").getAsLong(), c.get("total").getAsLong());
            assertEquals(expected, lr, 1e-15 * expected, c.toString());
            n++;
        }
        assertEquals(24, n);
        assertEquals(1e-2, PolyLr.lr(1e-2, 0, 160_000), 0);
        assertEquals(1e-4, PolyLr.lr(1e-2, 160_000, 160_000), 0);            // the floor
        assertThrows(IllegalArgumentException.class, () -> PolyLr.lr(1e-2, 11, 10));
    }
}
