package dev.vptlab.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.reproduce.SegmentationStudy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Notebooks 04 and 08 show the study over its seeds once {@code reproduce --segmentation-seeds N} wrote them. */
class SegmentationSeedsTest {
    @TempDir
    Path tmp;

    static Table runs(long... seeds) {
        StringColumn backbone = StringColumn.create("backbone");
        StringColumn method = StringColumn.create("method");
        LongColumn seed = LongColumn.create("seed");
        DoubleColumn miou = DoubleColumn.create("test_miou");
        StringColumn status = StringColumn.create("status");
        for (long s : seeds) {
            for (String m : new String[] {"vpt-deep", "head-only"}) {
                backbone.append("mae");
                method.append(m);
                seed.append(s);
                boolean diverged = s == 3 && m.equals("vpt-deep");
                miou.append(diverged ? Double.NaN : (m.equals("head-only") ? 10 : 12.5) + s);
                status.append(diverged ? "failed: NaN" : "finished");
            }
        }
        return Table.create("segmentation", backbone, method, seed, miou, status);
    }

    @Test
    void theSummaryOverSeedsIsReadBackFromTheRunsTable() {
        Lab lab = Lab.setup(Lab.Profile.of("paper"), tmp.resolve("results"), tmp.resolve("data"), tmp.resolve("ckpt"));
        assertTrue(Segmentation.overSeeds(lab).isEmpty(), "no runs table yet");
        SegmentationStudy.writeOutputs(runs(42), lab.results());
        assertTrue(Segmentation.overSeeds(lab).isEmpty(), "one seed: the notebooks' own table says it all");

        Table written = runs(1, 2, 3);
        SegmentationStudy.writeOutputs(written, lab.results());
        Table shown = Segmentation.overSeeds(lab).orElseThrow();
        assertTrue(shown.name().startsWith("mIoU over 3 seeds"), shown.name());
        Table expected = Segmentation.paired(written);
        assertEquals(expected.rowCount(), shown.rowCount());
        for (String c : expected.columnNames()) {
            for (int r = 0; r < expected.rowCount(); r++) {
                assertEquals(expected.column(c).getString(r), shown.column(c).getString(r), c + " row " + r);
            }
        }
        assertEquals("2/3", shown.stringColumn("finished").get(0));  // seed 3 diverged
        assertEquals(2.5, shown.doubleColumn("mean_paired_diff_vs_head_only").get(0), 0.0);
    }
}
