package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * {@link MeanIou} against mmseg v0.15.0's {@code intersect_and_union} / {@code total_intersect_and_union} and
 * {@code np.nanmean} on three images with ignored pixels and a class that never occurs (union 0): counts and
 * per-class IoU exactly equal, mIoU and aAcc equal to float64 rounding.
 */
class MeanIouParityTest {
    @Test
    void matchesMmseg() {
        JsonObject f = SegFixtures.json("miou.json");
        int k = f.get("classes").getAsInt();
        MeanIou all = new MeanIou(k);
        MeanIou first = new MeanIou(k);
        MeanIou rest = new MeanIou(k);
        int i = 0;
        for (JsonElement e : f.getAsJsonArray("images")) {
            int[] pred = ints(e.getAsJsonObject().getAsJsonArray("prediction"));
            int[] label = ints(e.getAsJsonObject().getAsJsonArray("label"));
            all.add(pred, label);
            (i++ == 0 ? first : rest).add(pred, label);
        }
        first.addAll(rest);
        for (MeanIou r : new MeanIou[] {all, first}) {
            assertArrayEquals(doubles(f.getAsJsonArray("intersection")), r.intersection());
            assertArrayEquals(doubles(f.getAsJsonArray("union")), r.union());
            assertArrayEquals(doubles(f.getAsJsonArray("area_label")), r.areaLabel());
            double[] iou = r.iou();
            JsonArray ref = f.getAsJsonArray("iou");
            for (int c = 0; c < k; c++) {
                if (ref.get(c).isJsonNull()) {
                    assertTrue(Double.isNaN(iou[c]), "class " + c + " has no pixels: NaN");
                } else {
                    assertEquals(ref.get(c).getAsDouble(), iou[c], 0.0, "class " + c);
                }
            }
            assertEquals(f.get("miou").getAsDouble(), r.miou(), 1e-15);
            assertEquals(f.get("aacc").getAsDouble(), r.aAcc(), 0.0);
        }
    }

    @Test
    void ignoresTwoFiftyFiveAndRejectsOtherLabels() {
        MeanIou m = new MeanIou(3);
        m.add(new int[] {0, 1, 2, 2}, new int[] {0, 255, 2, 1});
        assertArrayEquals(new double[] {1, 0, 1}, m.intersection());
        assertArrayEquals(new double[] {1, 1, 2}, m.union());
        assertEquals((1 + 0 + 0.5) / 3, m.miou(), 1e-15);
        assertEquals(2.0 / 3, m.aAcc(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {0}, new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {0}, new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {0, 1}, new int[] {0}));
    }

    private static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    private static double[] doubles(JsonArray a) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsDouble();
        }
        return r;
    }
}
