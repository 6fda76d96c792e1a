package dev.vptlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.task.EvalResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Classification and segmentation records side by side: the mIoU/aAcc keys only where they mean something. */
class SegRunRecordTest {
    @TempDir
    Path tmp;

    private static RunRecord record(String id, Map<String, Object> config, EvalResult test) {
        return new RunRecord(id, RunRecord.FINISHED, null, config, "ab12", List.of(), 42L,
                Map.of("vptlab", "dev", "djl", "0.35.1", "pytorch", "2.7.1", "java", "17"), "cpu()", 10, 100,
                "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", 12.5,
                List.of(new EpochMetrics(0, 0.01, 1.5, 40.0, 3.0, 20.0, null, test)), List.of());
    }

    private static Map<String, Object> classification() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("method", "gated");
        c.put("task", "cifar100");
        c.put("backbone", "vit-b16");
        return c;
    }

    private static Map<String, Object> segmentation() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("task_kind", "segmentation");
        c.put("method", "gated");
        c.put("task", "fm-seg");
        c.put("backbone", "mae.safetensors");
        return c;
    }

    private static RunRecord classificationRun(String id) {
        return record(id, classification(), new EvalResult("test", 50, 0.7, 61.5, 90.0, Double.NaN));
    }

    private static RunRecord segmentationRun(String id) {
        return record(id, segmentation(), EvalResult.segmentation("test", 16, 37.25, 81.5));
    }

    @Test
    void aClassificationRecordHasNoSegmentationKeys() {
        String json = classificationRun("c").toJson();
        assertFalse(json.contains("\"miou\""), json);
        assertFalse(json.contains("\"aacc\""), json);
        assertTrue(json.contains("\"top1\""), json);
    }

    @Test
    void aSegmentationResultRoundTrips() {
        RunRecord r = segmentationRun("s");
        String json = r.toJson();
        assertTrue(json.contains("\"miou\": 37.25") && json.contains("\"aacc\": 81.5"), json);
        RunRecord back = RunRecord.fromJson(json, "s.json");
        EvalResult t = back.epochs().get(0).test();
        assertEquals(37.25, t.miou());
        assertEquals(81.5, t.aacc());
        assertTrue(t.isSegmentation());
        assertEquals(r, back);
        assertEquals(json, back.toJson());
    }

    @Test
    void anOldRecordWithoutTheKeysReadsWithNaN() {
        String json = segmentationRun("s").toJson().replaceAll(",\\s*\"miou\": [0-9.]+", "")
                .replaceAll(",\\s*\"aacc\": [0-9.]+", "");
        assertFalse(json.contains("miou") || json.contains("aacc"), json);
        EvalResult t = RunRecord.fromJson(json, "old.json").epochs().get(0).test();
        assertTrue(Double.isNaN(t.miou()) && Double.isNaN(t.aacc()));
        assertFalse(t.isSegmentation());
    }

    @Test
    void runsShowsTheMiouColumnOnlyWhenASegmentationRunIsThere() {
        new RunFolder(tmp.resolve("mixed/a-cls")).write(classificationRun("a"));
        new RunFolder(tmp.resolve("mixed/b-seg")).write(segmentationRun("b"));
        Table mixed = Runs.load(tmp.resolve("mixed"));
        assertTrue(mixed.columnNames().contains("last_test_miou"), mixed.columnNames().toString());
        assertTrue(mixed.doubleColumn("last_test_miou").isMissing(0)); // the classification run has none
        assertEquals(37.25, mixed.doubleColumn("last_test_miou").get(1));
        assertTrue(Runs.format(mixed).contains("last_test_miou"));

        new RunFolder(tmp.resolve("cls/a")).write(classificationRun("a"));
        new RunFolder(tmp.resolve("cls/b")).write(classificationRun("b"));
        Table cls = Runs.load(tmp.resolve("cls"));
        assertFalse(cls.columnNames().contains("last_test_miou"), cls.columnNames().toString());
    }
}
