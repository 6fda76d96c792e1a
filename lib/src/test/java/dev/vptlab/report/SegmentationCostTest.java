package dev.vptlab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

/** The ADE20K cost table carries {@link dev.vptlab.seg.SegMemory}'s columns: head only keeps nothing in the trunk. */
class SegmentationCostTest {
    @Test
    void memoryColumns() {
        Table t = SegmentationCost.table();
        assertEquals(7, t.rowCount());
        for (int r = 0; r < t.rowCount(); r++) {
            double trunk = t.doubleColumn("activation_gib_backbone_b16").getDouble(r);
            double heads = t.doubleColumn("activation_gib_heads_b16").getDouble(r);
            double all = t.doubleColumn("activation memory / iteration (GiB, analytic)").getDouble(r);
            assertEquals(trunk + heads, all, 0.11, t.row(r).toString());
            assertTrue(heads > 30 && t.doubleColumn("params+grads+momentum_gib").getDouble(r) > 0, t.row(r).toString());
            assertEquals(t.stringColumn("method").get(r).equals("head-only"), trunk == 0, t.row(r).toString());
        }
    }
}
