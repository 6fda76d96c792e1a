package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.plan.GpuHours;
import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegRecipes;
import dev.vptlab.train.RunRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ADE20K reproductions as plans, and a segmentation entry carried through plan run, status and runs. */
class SegPlanTest {
    private static Plan plan(Path tmp, String name) {
        Path file = tmp.resolve(name + ".json");
        CliTest.Result r = CliTest.run("plan", name, "--out", tmp.resolve("runs").toString(), "--checkpoints",
                tmp.resolve("ckpt").toString(), "--data-root", tmp.resolve("data").toString(), "--plan", file.toString());
        assertEquals(0, r.code(), r.err());
        return Plan.read(file);
    }

    /** The entry's command, parsed back as train parses it, gives the entry's config. */
    private static void commandGivesItsConfig(PlanEntry e) {
        List<String> words = List.of(e.command().split(" "));
        assertEquals(List.of("./vptlab", "train"), words.subList(0, 2));
        assertEquals(SegConfig.fromMap(e.config()).toMap(), PlanCommand.segConfig(words.subList(2, words.size())).toMap(), e.id());
    }

    @Test
    void gatedAde20kIsTable3OnMaeAndMocoV3(@TempDir Path tmp) {
        Plan p = plan(tmp, "gated-ade20k");
        assertEquals(6, p.entries().size());
        List<String> ids = p.entries().stream().map(PlanEntry::id).toList();
        assertEquals(List.of("mae-ade20k-vpt-shallow-s42", "mae-ade20k-vpt-deep-s42", "mae-ade20k-gated-s42",
                "mocov3-ade20k-vpt-shallow-s42", "mocov3-ade20k-vpt-deep-s42", "mocov3-ade20k-gated-s42"), ids);
        for (PlanEntry e : p.entries()) {
            assertTrue(e.segmentation(), e.id());
            assertEquals("segmentation", e.config().get("task_kind"));
            assertEquals(null, e.select(), "one lr, no grid: " + e.id());
            SegConfig c = SegConfig.fromMap(e.config());
            assertEquals("ade20k", c.task());
            assertEquals(List.of(4, 8, 11), java.util.Arrays.stream(c.taps()).boxed().toList(), e.id());
            assertEquals(1e-3, c.lr());
            assertEquals(160_000, c.iterations());
            assertEquals(16, c.batchSize());
            assertTrue(c.multiScale(), e.id());
            assertEquals(tmp.resolve("data").resolve("ade20k").toString(), c.data());
            assertEquals(tmp.resolve("runs").resolve(e.id()).toString(), e.folder());
            String file = e.id().startsWith("mae") ? "mae_pretrain_vit_base.pth" : "vit-b-300ep.pth.tar";
            assertEquals(tmp.resolve("ckpt").resolve(file).toString(), c.backbone());
            String recipe = e.id().replaceFirst("^(mae|mocov3)-ade20k-", "").replaceFirst("-s42$", "");
            assertEquals(SegRecipes.method(recipe, 10).id(), c.methodId());
            assertEquals(recipe.equals("vpt-deep") ? 10 : 100, c.method().prompts(), e.id());
            assertTrue(e.command().contains(" --task ade20k --recipe " + recipe + " "), e.command());
            commandGivesItsConfig(e);
            // Gated PT Table 3 on ViT-B: training alone about 2.85e18 FLOP, ~16 GPU-hours at 50 TFLOP/s.
            assertTrue(e.estimatedGpuHours() > 10 && e.estimatedGpuHours() < 20, e.id() + " " + e.estimatedGpuHours());
        }
        assertEquals(10.0, ((Number) p.entry("mae-ade20k-gated-s42").config().get("gate_init")).doubleValue());
        assertTrue(p.toJson().contains("SETR-PUP"), "a segmentation plan's estimate note names its own cost model");
    }

    @Test
    void cvptAde20kIsCvptVptDeepAndHeadOnlyOnViTLWithItsTaps(@TempDir Path tmp) {
        Plan p = plan(tmp, "cvpt-ade20k");
        assertEquals(List.of("vitl-in21k-ade20k-cvpt-s42", "vitl-in21k-ade20k-vpt-deep-s42", "vitl-in21k-ade20k-head-only-s42"),
                p.entries().stream().map(PlanEntry::id).toList());
        List<String> methods = new ArrayList<>();
        for (PlanEntry e : p.entries()) {
            assertEquals("segmentation", e.config().get("task_kind"));
            SegConfig c = SegConfig.fromMap(e.config());
            assertEquals(List.of(9, 14, 19, 23), java.util.Arrays.stream(c.taps()).boxed().toList(), e.id());
            assertEquals(tmp.resolve("ckpt").resolve("jx_vit_large_p16_384-b3be5167.pth").toString(), c.backbone());
            assertTrue(e.command().contains(" --taps 9,14,19,23 "), e.command());
            assertEquals(e.id().endsWith("head-only-s42") ? 0 : 10, c.method() == null ? 0 : c.method().prompts(), e.id());
            methods.add(c.methodId());
            commandGivesItsConfig(e);
        }
        assertEquals(List.of(SegRecipes.method("cvpt", 10).id(), SegRecipes.method("vpt-deep", 10).id(), "head-only"), methods);
        // The ViT-L trunk costs more than Gated PT's ViT-B for the same method.
        double vitL = p.entry("vitl-in21k-ade20k-vpt-deep-s42").estimatedGpuHours();
        double vitB = plan(tmp, "gated-ade20k").entry("mae-ade20k-vpt-deep-s42").estimatedGpuHours();
        assertTrue(vitL > 1.5 * vitB, vitL + " vs " + vitB);
    }

    @Test
    void ade20kPlansRefuseOtherTasksAndClassificationPlansTheViTL(@TempDir Path tmp) {
        CliTest.Result t = CliTest.run("plan", "gated-ade20k", "--tasks", "cub", "--out", tmp.toString());
        assertEquals(1, t.code());
        assertTrue(t.err().contains("gated-ade20k has the one task ade20k"), t.err());
        CliTest.Result b = CliTest.run("plan", "cvpt-vtab", "--backbones", "vitl-in21k", "--out", tmp.toString());
        assertEquals(1, b.code());
        assertTrue(b.err().contains("unknown backbone 'vitl-in21k'; known: mae, mocov3, supervised"), b.err());
    }

    /**
     * ADE20K is not here, so a plan entry of the mini segmentation task fm-seg, made as the plan command makes one,
     * goes through plan run (and the Slurm array's --ids/--index path), status and runs on the embedded MAE trunk.
     */
    @Test
    void aSegmentationEntryRunsSkipsAndShowsItsMiou(@TempDir Path tmp) throws Exception {
        Path mae = dev.vptlab.reproduce.EmbeddedBackbones.extract("mae", tmp, false, m -> { });
        Path folder = tmp.resolve("runs").resolve("mae-fm-seg-gated-s42");
        List<String> args = List.of("--task", "fm-seg", "--recipe", "gated", "--backbone", mae.toString(), "--iterations", "2",
                "--batch-size", "4", "--train-limit", "16", "--test-limit", "16", "--seed", "42", "--out", folder.toString());
        SegConfig cfg = PlanCommand.segConfig(args);
        PlanEntry entry = new PlanEntry("mae-fm-seg-gated-s42", null, folder.toString(), args, cfg.toMap(), new GpuHours(50).of(cfg));
        Path file = tmp.resolve("seg.json");
        new Plan("seg-tiny", tmp.resolve("data").toString(), 50, List.of(entry)).write(file);
        assertTrue(Plan.read(file).entries().get(0).segmentation());

        CliTest.Result before = CliTest.run("plan", "status", file.toString());
        assertEquals(0, before.code(), before.err());
        assertTrue(before.out().contains("1 missing") && before.out().contains("test_miou"), before.out());

        CliTest.Result run = CliTest.run("plan", "run", file.toString(), "--progress", "QUIET");
        assertEquals(0, run.code(), run.out() + run.err());
        assertTrue(run.out().contains("finished after 1 evaluation periods; test mIoU"), run.out());
        RunRecord r = RunRecord.read(folder);
        assertEquals(RunRecord.FINISHED, r.status());
        assertEquals(cfg.toMap().keySet(), r.config().keySet());
        double miou = r.lastTestMiou();
        assertTrue(Double.isFinite(miou), "mIoU " + miou);
        String shown = String.format(Locale.ROOT, "%.2f", miou);

        CliTest.Result again = CliTest.run("plan", "run", file.toString(), "--progress", "QUIET");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("mae-fm-seg-gated-s42: finished, skipped"), again.out());

        CliTest.Result status = CliTest.run("plan", "status", file.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("1 finished"), status.out());
        String row = status.out().lines().filter(l -> l.startsWith("0 ")).findFirst().orElseThrow();
        assertTrue(row.contains(" 1/1 ") && row.contains(shown), row);
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith("mae-fm-seg-gated ") && l.contains("42:" + shown)), status.out());
        assertFalse(status.out().contains("NaN"), status.out());

        CliTest.Result runs = CliTest.run("runs", file.toString());
        assertEquals(0, runs.code(), runs.err());
        assertTrue(runs.out().contains("test_miou") && runs.out().contains("periods"), runs.out());
        assertTrue(runs.out().lines().anyMatch(l -> l.contains("mae-fm-seg-gated-s42") && l.contains(shown)), runs.out());
        assertFalse(runs.out().contains("test_top1"), runs.out());
        assertFalse(runs.out().contains("NaN"), runs.out());

        // The Slurm array's path: the run gone, index 0 of the id file runs it again.
        try (var s = Files.walk(folder)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        Path ids = tmp.resolve("ids.txt");
        Files.writeString(ids, entry.id() + "\n");
        CliTest.Result task = CliTest.run("plan", "run", file.toString(), "--ids", ids.toString(), "--index", "0", "--progress", "QUIET");
        assertEquals(0, task.code(), task.out() + task.err());
        assertEquals(RunRecord.FINISHED, RunRecord.read(folder).status());
        assertEquals(miou, RunRecord.read(folder).lastTestMiou(), 1e-9, "the same seed gives the same run");
    }
}
