package dev.vptlab.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.train.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class ReproduceTest {
    @TempDir
    Path tmp;

    Path trunk() {
        Path f = tmp.resolve("trunk.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            VitConfig c = VitConfig.VIT_TINY12_FMNIST;
            Map<String, RawTensor> t = new LinkedHashMap<>();
            VisionTransformer.create(c, m).namedParameters().forEach((k, p) ->
                    t.put(k, RawTensor.ofFloats(p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
            Safetensors.write(f, t, Map.of(Checkpoint.META_NUM_HEADS, "3", Checkpoint.META_ARCH, c.name()));
        }
        return f;
    }

    @Test
    void quickPlanCoversTheIssuesStudy() {
        Path t = tmp.resolve("x.safetensors");
        List<Reproduce.Job> jobs = Reproduce.plan(Reproduce.Profile.QUICK, new Reproduce.Backbones(t, t, t), tmp, 42);
        long sweep = jobs.stream().filter(j -> j.study().equals("block-location")).count();
        assertEquals(3 * 2 * 12, sweep, "k = 1..12 for three backbones on two tasks");
        long methods = jobs.stream().filter(j -> j.study().equals("methods")).count();
        assertEquals(2 * 7 * 4, methods, "four methods on the seven classification tasks, two SSL backbones");
        long distinctFolders = jobs.stream().map(Reproduce.Job::folder).distinct().count();
        assertEquals(72 + 56 - 2 * 2, distinctFolders, "VPT-shallow on a swept task reuses the sweep's k = 1 run");
    }

    @Test
    void aRunWritesTablesAndPlots() throws java.io.IOException {
        Path t = trunk();
        Path results = tmp.resolve("results");
        List<Reproduce.Job> jobs = Reproduce.plan(Reproduce.Profile.SMOKE, new Reproduce.Backbones(t, t, t), results, 1).stream()
                .filter(j -> j.backbone().equals("mae")).toList().subList(0, 2);
        Table table = Reproduce.run(jobs, tmp, Progress.Mode.QUIET, System.out);
        Reproduce.writeOutputs(table, results);
        assertEquals(2, table.rowCount());
        assertTrue(table.doubleColumn("test_top1").get(0) > 0);
        assertTrue(Files.exists(results.resolve("tables/all_runs.csv")));
        assertTrue(Files.exists(results.resolve("plots/block_location_fm-item.png")));
        // a second invocation finds the finished runs and trains nothing: their records are not rewritten
        Path record = jobs.get(0).folder().resolve("record.json");
        long before = record.toFile().lastModified();
        String bytes = Files.readString(record);
        Table again = Reproduce.run(jobs, tmp, Progress.Mode.QUIET, System.out);
        assertEquals(before, record.toFile().lastModified(), "finished runs are reused");
        assertEquals(bytes, Files.readString(record));
        assertEquals(table.print(), again.print());
    }

    @Test
    void relativeAndAbsoluteFoldersPlanTheSameRuns() {
        // the CLI is given "--out results/quick", a notebook the absolute folder: both must find the same runs
        Path rel = Path.of("results", "quick");
        Path t = rel.resolve("backbones/mae.safetensors");
        Reproduce.Backbones relative = new Reproduce.Backbones(t, t, t);
        Reproduce.Backbones absolute = new Reproduce.Backbones(t.toAbsolutePath(), t.toAbsolutePath(), t.toAbsolutePath());
        List<Reproduce.Job> a = Reproduce.plan(Reproduce.Profile.QUICK, relative, rel, 42);
        List<Reproduce.Job> b = Reproduce.plan(Reproduce.Profile.QUICK, absolute, rel.toAbsolutePath(), 42);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(List.of(), a.get(i).config().diff(b.get(i).config().toMap()));
            assertEquals(a.get(i).folder().toAbsolutePath(), b.get(i).folder());
        }
    }

    @Test
    void ablationRowsCarryTheNumberTheirVariantSets() {
        Path t = tmp.resolve("x.safetensors");
        List<Reproduce.Job> jobs = Reproduce.cvptAblations(Reproduce.Profile.QUICK, new Reproduce.Backbones(t, t, t), tmp, 42);
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0), values(jobs, "cvpt-position"));
        assertEquals(List.of(1.0, 5.0, 20.0, 50.0), values(jobs, "cvpt-prompts"));
        assertTrue(values(jobs, "cvpt-weights").stream().allMatch(v -> v.isNaN()), "the weight variants set no number");
        assertEquals(List.of(12.0, 12.0, 24.0, 24.0),
                values(Reproduce.fewerTokens(Reproduce.Profile.QUICK, new Reproduce.Backbones(t, t, t), tmp, 42), "fewer-tokens"));
    }

    private static List<Double> values(List<Reproduce.Job> jobs, String study) {
        return jobs.stream().filter(j -> j.study().equals(study)).map(Reproduce.Job::variantValue).toList();
    }

    @Test
    void sameSeedGivesTheSameTable() {
        Path t = trunk();
        List<Table> tables = new java.util.ArrayList<>();
        for (String run : List.of("a", "b")) {
            Path results = tmp.resolve("same-" + run);
            List<Reproduce.Job> jobs = Reproduce.plan(Reproduce.Profile.SMOKE, new Reproduce.Backbones(t, t, t), results, 7).stream()
                    .filter(j -> j.backbone().equals("mocov3")).limit(4).toList();
            tables.add(Reproduce.run(jobs, tmp, Progress.Mode.QUIET, System.out).removeColumns("wall_s"));
        }
        assertEquals(tables.get(0).print(), tables.get(1).print());
    }

    @Test
    void aDivergedSegmentationRunIsARowNotTheEndOfTheStudy() {
        Path t = trunk();
        Path results = tmp.resolve("results");
        SegmentationStudy.Job ok = SegmentationStudy.plan(Reproduce.Profile.SMOKE, new Reproduce.Backbones(t, t, t), results, 1).get(0);
        SegmentationStudy.Job blowUp = new SegmentationStudy.Job("mae", "gated", results.resolve("runs/segmentation/blow-up"),
                ok.config().with(x -> x.lr = 1e30));
        Table table = SegmentationStudy.run(List.of(blowUp, ok), tmp, Progress.Mode.QUIET, System.out);
        assertEquals(2, table.rowCount());
        assertTrue(table.stringColumn("status").get(0).startsWith("failed: "), table.stringColumn("status").get(0));
        assertTrue(table.doubleColumn("test_miou").isMissing(0), "no mIoU");
        assertEquals("finished", table.stringColumn("status").get(1));
        assertTrue(table.doubleColumn("test_miou").get(1) >= 0);
        // the study again (as the parent of --workers reads its workers' runs): the diverged run is read, not retrained
        Path record = blowUp.folder().resolve("record.json");
        long before = record.toFile().lastModified();
        Table again = SegmentationStudy.run(List.of(blowUp, ok), tmp, Progress.Mode.QUIET, System.out);
        assertEquals(before, record.toFile().lastModified(), "a failed run is a result, not trained again");
        assertEquals(table.stringColumn("status").asList(), again.stringColumn("status").asList());
    }

    @Test
    void moreSeedsKeepTheFirstSeedsFoldersAndPairEachRunWithHeadOnly() {
        Path t = tmp.resolve("trunk.safetensors");
        Reproduce.Backbones b = new Reproduce.Backbones(t, t, t);
        List<SegmentationStudy.Job> one = SegmentationStudy.plan(Reproduce.Profile.QUICK, b, tmp, 42);
        List<SegmentationStudy.Job> three = SegmentationStudy.plan(Reproduce.Profile.QUICK, b, tmp, 42, 3);
        assertEquals(8, one.size());
        assertEquals(24, three.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(one.get(i).folder(), three.get(i).folder());
            assertEquals(one.get(i).config().toMap(), three.get(i).config().toMap());
        }
        assertEquals(tmp.resolve("runs/segmentation/mocov3-cvpt-seed44"), three.get(22).folder());
        assertEquals(44, three.get(22).seed());

        tech.tablesaw.api.StringColumn backbone = tech.tablesaw.api.StringColumn.create("backbone",
                "mae", "mae", "mae", "mae", "mae", "mae");
        tech.tablesaw.api.StringColumn method = tech.tablesaw.api.StringColumn.create("method",
                "vpt-deep", "head-only", "vpt-deep", "head-only", "vpt-deep", "head-only");
        tech.tablesaw.api.LongColumn seed = tech.tablesaw.api.LongColumn.create("seed", 1, 1, 2, 2, 3, 3);
        tech.tablesaw.api.DoubleColumn miou = tech.tablesaw.api.DoubleColumn.create("test_miou",
                20, 15, 18, 17, Double.NaN, 16);
        Table s = SegmentationStudy.summary(Table.create("runs", backbone, method, seed, miou));
        assertEquals(2, s.rowCount());
        assertEquals("vpt-deep", s.stringColumn("method").get(0));
        assertEquals("2/3", s.stringColumn("finished").get(0));  // the diverged seed 3 counts as run, not finished
        assertEquals(19, s.doubleColumn("mean_test_miou").get(0), 1e-12);
        assertEquals(Math.sqrt(2), s.doubleColumn("sd_test_miou").get(0), 1e-12);
        assertEquals(3, s.doubleColumn("mean_paired_diff_vs_head_only").get(0), 1e-12);  // (5 + 1) / 2
        assertEquals(1, s.doubleColumn("min_paired_diff_vs_head_only").get(0), 1e-12);
        assertEquals(16, s.doubleColumn("mean_test_miou").get(1), 1e-12);
        assertTrue(s.doubleColumn("mean_paired_diff_vs_head_only").isMissing(1), "head only has no difference from itself");
    }
}
