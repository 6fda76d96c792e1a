package dev.vptlab.train;

import dev.vptlab.task.EvalResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class RunRecordTest {
    @TempDir
    Path tmp;

    private static EvalResult eval(String split, double top1) {
        return new EvalResult(split, 100, 0.5, top1, 99.0, Double.NaN);
    }

    private static EpochMetrics epoch(int e, EvalResult val, EvalResult test) {
        return new EpochMetrics(e, 0.001 * (e + 1), 1.0 / (e + 1), 50.0 + e, 10.0, 100.0 + e, val, test);
    }

    private static Map<String, Object> config(String method) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("backbone", "vit-b16");
        model.put("depth", 12);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("method", method);
        config.put("task", "cifar100");
        config.put("lr", 0.1f);
        config.put("epochs", 100);
        config.put("milestones", List.of(30, 60));
        config.put("model", model);
        config.put("note", null);
        return config;
    }

    private static RunRecord record(String id, List<EpochMetrics> epochs) {
        return new RunRecord(id, RunRecord.FINISHED, null, config("gated"), "ab12", List.of(new ConfigChange(2, "lr", "0.1", "0.01")), 42L,
                Map.of("vptlab", "0.1.0", "djl", "0.35.1", "pytorch", "2.7.1", "java", "17"), "gpu(0)", 1234, 86_000_000L,
                "2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z", 3600.5, epochs,
                List.of("dtd/test.txt:3: images/x.jpg: truncated JPEG data (Premature end of JPEG file); Pillow refuses it too"));
    }

    /** Gated PT protocol: val and test every epoch; best val 60 is reached first at epoch 1. */
    private static List<EpochMetrics> gatedEpochs() {
        return List.of(
                epoch(0, eval("val", 50), eval("test", 48)),
                epoch(1, eval("val", 60), eval("test", 55)),
                epoch(2, eval("val", 60), eval("test", 58)),
                epoch(3, eval("val", 55), new EvalResult("test", 100, 0.4, 57, 99, 91.5)));
    }

    /** CVPT protocol: test only periodically (and at the last epoch), no val. */
    private static List<EpochMetrics> cvptEpochs() {
        return List.of(
                epoch(0, null, null),
                epoch(1, null, eval("test", 40)),
                epoch(2, null, null),
                epoch(3, null, eval("test", 45)),
                epoch(4, null, null),
                epoch(5, null, eval("test", 45)),
                epoch(6, null, eval("test", 44)));
    }

    @Test
    void headlineForGatedProtocol() {
        RunRecord r = record("g", gatedEpochs());
        assertEquals(57.0, r.lastTestTop1());
        assertEquals(60.0, r.bestValTop1());
        assertEquals(55.0, r.testTop1AtBestVal()); // earliest of the tied best-val epochs
        assertEquals(58.0, r.bestTestTop1());
        assertEquals(91.5, r.lastTestAuc());
        assertEquals(1, r.headline().bestValEpoch());
        assertEquals(3, r.headline().lastTestEpoch());
    }

    @Test
    void headlineForCvptProtocol() {
        RunRecord r = record("c", cvptEpochs());
        assertEquals(45.0, r.bestTestTop1());
        assertEquals(3, r.headline().bestTestEpoch()); // earliest of the tied best
        assertEquals(44.0, r.lastTestTop1());
        assertEquals(6, r.headline().lastTestEpoch());
        assertTrue(Double.isNaN(r.bestValTop1()));
        assertTrue(Double.isNaN(r.testTop1AtBestVal()));
        assertTrue(Double.isNaN(r.lastTestAuc()));
        RunRecord empty = record("e", List.of());
        assertTrue(Double.isNaN(empty.lastTestTop1()));
        assertEquals(-1, empty.headline().lastTestEpoch());
    }

    @Test
    void jsonRoundTripKeepsNaNAsNull() {
        RunRecord r = record("round", gatedEpochs());
        RunFolder folder = new RunFolder(tmp.resolve("run"));
        folder.write(r);
        String json = folder.file(RunFolder.RECORD_FILE).toFile().exists()
                ? readString(folder.file(RunFolder.RECORD_FILE)) : "";
        assertFalse(json.contains("NaN"), json);
        assertTrue(json.contains("\"auc\": null"), json);
        assertTrue(json.contains("\"run_id\": \"round\""), json);
        assertTrue(json.contains("\"note\": null"), json);
        assertTrue(json.contains("\"headline\""), json);
        assertTrue(json.contains("\"backbone_sha256\": \"ab12\""), json);
        assertTrue(json.contains("\"after_epochs\": 2") && json.contains("\"field\": \"lr\""), json);
        assertTrue(json.indexOf("\"epochs\": 100") < json.indexOf("\"lr\": 0.1"), "config keys sorted");
        RunRecord back = RunRecord.read(folder.dir());
        assertEquals(r, back);
        assertTrue(Double.isNaN(back.epochs().get(0).test().auc()));
        assertEquals(0.1, back.config().get("lr")); // float canonicalised through its decimal form
        assertEquals(100L, back.config().get("epochs"));
        assertEquals(json, back.toJson()); // stable text
        assertTrue(json.contains("\"skipped_images\": [\n    \"dtd/test.txt:3: images/x.jpg: truncated JPEG data"), json);
        // records written before skipped_images existed read back with none
        String old = json.replaceAll("(?s),\\s*\"skipped_images\": \\[[^\\]]*\\]", "");
        assertFalse(old.contains("skipped_images"), old);
        assertEquals(List.of(), RunRecord.fromJson(old, "old.json").skippedImages());
    }

    @Test
    void statusAndTimesAreValidated() {
        assertThrows(VptlabException.class, () -> new RunRecord("x", "done", null, Map.of(), null, null, 0, Map.of(), "cpu", 0,
                0, null, null, 0, List.of(), List.of()));
        assertThrows(VptlabException.class, () -> new RunRecord("x", "running", null, Map.of(), null, null, 0, Map.of(), "cpu",
                0, 0, "yesterday", null, 0, List.of(), List.of()));
        RunRecord started = RunRecord.start("s", Map.of(), 1, Map.of(), "cpu", 1, 2);
        RunRecord ended = started.withEpoch(epoch(0, null, null), 1.5).ended(RunRecord.FAILED, "out of memory", 2);
        assertEquals(RunRecord.FAILED, ended.status());
        assertEquals(1, ended.epochs().size());
        assertThrows(VptlabException.class, () -> ended.withEpoch(epoch(0, null, null), 3));
    }

    @Test
    void malformedJsonNamesTheFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(dir.resolve("record.json"), "{\"run_id\": \"x\", \"status\": ");
        VptlabException e = assertThrows(VptlabException.class, () -> RunRecord.read(dir));
        assertTrue(e.getMessage().contains(dir.resolve("record.json").toString()), e.getMessage());
        Files.writeString(dir.resolve("record.json"), "{\"run_id\": \"x\", \"status\": \"weird\"}");
        e = assertThrows(VptlabException.class, () -> RunRecord.read(dir));
        assertTrue(e.getMessage().contains("record.json") && e.getMessage().contains("weird"), e.getMessage());
        e = assertThrows(VptlabException.class, () -> RunRecord.read(tmp.resolve("missing")));
        assertTrue(e.getMessage().contains("record.json"), e.getMessage());
    }

    @Test
    void metricsCsvHasOneRowPerEpochAndEmptyCellsWhenNotEvaluated() throws Exception {
        RunFolder folder = new RunFolder(tmp.resolve("csv"));
        List<EpochMetrics> epochs = new ArrayList<>(cvptEpochs().subList(0, 2));
        epochs.add(epoch(2, eval("val", 61), new EvalResult("test", 10, 0.3, 70, 100, 88.25)));
        folder.write(record("csv", epochs));
        List<String> lines = Files.readAllLines(folder.file(RunFolder.METRICS_FILE));
        assertEquals(List.of(
                "epoch,lr,train_loss,train_top1,val_top1,val_top5,val_auc,test_top1,test_top5,test_auc,seconds,"
                        + "images_per_s",
                "0,0.001,1.0,50.0,,,,,,,10.0,100.0",
                "1,0.002,0.5,51.0,,,,40.0,99.0,,10.0,101.0",
                "2,0.003,0.3333333333333333,52.0,61.0,99.0,,70.0,100.0,88.25,10.0,102.0"), lines);

        Table t = Runs.epochs(folder.dir());
        assertEquals(3, t.rowCount());
        assertEquals(12, t.columnCount());
        assertTrue(t.doubleColumn("test_top1").isMissing(0));
        assertEquals(40.0, t.doubleColumn("test_top1").get(1));
        assertTrue(t.doubleColumn("val_auc").isMissing(2));
        assertEquals(88.25, t.doubleColumn("test_auc").get(2));
        assertEquals(2, t.intColumn("epoch").get(2));
    }

    @Test
    void atomicWriteLeavesNoTemporaryFile() throws Exception {
        RunFolder folder = new RunFolder(tmp.resolve("atomic"));
        RunRecord r = record("a", gatedEpochs());
        folder.write(r);
        folder.write(r.withEpoch(epoch(4, null, eval("test", 60)), 4000)); // overwrite in place
        try (Stream<Path> files = Files.list(folder.dir())) {
            assertEquals(List.of("metrics.csv", "record.json"),
                    files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        assertEquals(5, folder.read().epochs().size());
    }

    @Test
    void runsLoadListsCorruptRecordsAsUnreadable() throws Exception {
        new RunFolder(tmp.resolve("results/b-run")).write(record("run-b", cvptEpochs()));
        new RunFolder(tmp.resolve("results/a/sweep/run-a")).write(record("run-a", gatedEpochs()));
        Path broken = Files.createDirectories(tmp.resolve("results/c-broken"));
        Files.writeString(broken.resolve("record.json"), "{ not json");
        Files.createDirectories(tmp.resolve("results/empty-dir"));

        Table t = Runs.load(tmp.resolve("results"));
        assertEquals(3, t.rowCount());
        assertEquals(List.of("a/sweep/run-a", "b-run", "c-broken"), t.stringColumn("folder").asList());
        assertEquals(List.of("run-a", "run-b", ""), t.stringColumn("run_id").asList());
        assertEquals(List.of("finished", "finished", "unreadable"), t.stringColumn("status").asList());
        assertTrue(t.stringColumn("note").get(2).contains("record.json"), t.stringColumn("note").get(2));
        assertEquals("gated", t.stringColumn("method").get(0));
        assertEquals("vit-b16", t.stringColumn("backbone").get(0)); // found in the nested "model" section
        assertEquals("cifar100", t.stringColumn("task").get(0));
        assertEquals(57.0, t.doubleColumn("last_test_top1").get(0));
        assertEquals(55.0, t.doubleColumn("test_top1_at_best_val").get(0));
        assertEquals(45.0, t.doubleColumn("best_test_top1").get(1));
        assertEquals(4, t.intColumn("epochs_done").get(0));
        assertEquals(1234L, t.longColumn("trainable_params").get(0));
        assertEquals(101.5, t.doubleColumn("images_per_s").get(0), 1e-12);
        assertEquals(List.of(1, 1), t.intColumn("skipped_images").asList().subList(0, 2), "vptlab runs shows the skipped count");
        assertTrue(t.intColumn("skipped_images").isMissing(2));
        assertTrue(t.doubleColumn("last_test_top1").isMissing(2));

        String text = Runs.format(t);
        assertTrue(text.contains("57.00"), text);
        assertTrue(text.contains("unreadable"), text);
        assertFalse(text.contains("101.5 "), text);
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
