package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.plan.SlurmArray;
import dev.vptlab.testutil.Fixtures;
import dev.vptlab.train.Recipes;
import dev.vptlab.train.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
    @Test
    void gatedVtabExpandsTheLrGridForEveryTaskBackboneAndSeedWithCommandsTrainParsesBack(@TempDir Path tmp) {
        Path file = tmp.resolve("p.json");
        CliTest.Result r = CliTest.run("plan", "gated-vtab", "--backbones", "mae,mocov3", "--seeds", "3", "--out",
                tmp.resolve("runs").toString(), "--plan", file.toString());
        assertEquals(0, r.code(), r.err());
        Plan plan = Plan.read(file);
        assertEquals(19 * 2 * 7 * 3, plan.entries().size());
        Map<String, List<PlanEntry>> groups = plan.entries().stream().collect(Collectors.groupingBy(PlanEntry::select));
        assertEquals(19 * 2 * 3, groups.size());
        for (List<PlanEntry> g : groups.values()) {
            assertEquals(Recipes.GATED_LR_GRID, g.stream().map(e -> ((Number) e.config().get("lr")).doubleValue()).toList());
        }
        for (PlanEntry e : plan.entries()) {
            List<String> words = List.of(e.command().split(" "));
            assertEquals(List.of("./vptlab", "train"), words.subList(0, 2));
            RunConfig parsed = PlanCommand.config(words.subList(2, words.size()));
            assertEquals(RunConfig.fromMap(e.config()).toMap(), parsed.toMap(), e.id());
            assertEquals(tmp.resolve("runs").resolve(e.id()).toString(), e.folder());
            assertTrue(e.estimatedGpuHours() > 0, e.id());
        }
        // Seeds: the recipe's (42), then the next ones; MoCo v3 CIFAR-100 takes Table 5's gate init 15.
        assertEquals(List.of(42L, 43L, 44L), plan.entries().stream().map(e -> ((Number) e.config().get("seed")).longValue())
                .distinct().sorted().toList());
        PlanEntry moco = plan.entry("mocov3-cifar-gated-lr0.05-s43");
        assertEquals(15.0, ((Number) moco.config().get("gate_init")).doubleValue());
        assertEquals(plan.estimatedGpuHours(), plan.entries().stream().mapToDouble(PlanEntry::estimatedGpuHours).sum(), 1e-9);
        assertTrue(r.out().contains("798 runs, estimate"), r.out());
    }

    @Test
    void theSamePlanTwiceIsTheSameBytes(@TempDir Path tmp) throws Exception {
        String[] a = {"plan", "cvpt-fgvc", "--out", tmp.resolve("runs").toString(), "--seeds", "2", "--plan", tmp.resolve("a.json").toString()};
        assertEquals(0, CliTest.run(a).code());
        a[a.length - 1] = tmp.resolve("b.json").toString();
        assertEquals(0, CliTest.run(a).code());
        byte[] first = Files.readAllBytes(tmp.resolve("a.json"));
        assertArrayEquals(first, Files.readAllBytes(tmp.resolve("b.json")));
        assertEquals(new String(first, java.nio.charset.StandardCharsets.UTF_8), Plan.read(tmp.resolve("a.json")).toJson());
        assertEquals(5 * 2, Plan.read(tmp.resolve("a.json")).entries().size());
    }

    @Test
    void unknownNamesAndTasksAreRefusedWithTheKnownOnes(@TempDir Path tmp) {
        CliTest.Result r = CliTest.run("plan", "gated-imagenet", "--out", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("known: block-location, gated-vtab"), r.err());
        CliTest.Result t = CliTest.run("plan", "gated-vtab", "--tasks", "mnist", "--out", tmp.toString());
        assertEquals(1, t.code());
        assertTrue(t.err().contains("unknown task 'mnist'"), t.err());
    }

    @Test
    void aTinyPlanRunsFinishesSkipsOnRerunAndOnlyUnfinishedRunsGoToSlurm(@TempDir Path tmp) throws Exception {
        Path ckpts = Files.createDirectories(tmp.resolve("ckpt"));
        Files.copy(Fixtures.vit("vit_mae.pth"), ckpts.resolve("mae_pretrain_vit_base.pth"));
        Path file = tmp.resolve("tiny.json");
        CliTest.Result made = CliTest.run("plan", "gated-vtab", "--tasks", "synthetic", "--backbones", "mae", "--checkpoints",
                ckpts.toString(), "--set", "heads=3", "--set", "epochs=1", "--out", tmp.resolve("runs").toString(), "--plan", file.toString());
        assertEquals(0, made.code(), made.err());
        Plan plan = Plan.read(file);
        assertEquals(7, plan.entries().size());
        CliTest.Result before = CliTest.run("runs", file.toString());
        assertEquals(0, before.code(), before.err());
        assertEquals(7, before.out().lines().filter(l -> l.contains("missing")).count(), before.out());

        CliTest.Result dry = CliTest.run("plan", "slurm", file.toString(), "--dry-run", "--throttle", "2", "--partition", "gpu");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("#SBATCH --array=0-6%2\n"), dry.out());
        assertTrue(dry.out().contains("#SBATCH --requeue\n") && dry.out().contains("#SBATCH --partition=gpu\n"), dry.out());
        assertTrue(dry.out().contains("logs/%A_%a.out") && dry.out().contains("plan run ") && dry.out().contains("--index \"$SLURM_ARRAY_TASK_ID\""), dry.out());
        assertFalse(Files.exists(SlurmArray.folder(file)), "a dry run writes nothing");

        CliTest.Result run = CliTest.run("plan", "run", file.toString(), "--progress", "QUIET");
        assertEquals(0, run.code(), run.out() + run.err());
        CliTest.Result again = CliTest.run("plan", "run", file.toString(), "--progress", "QUIET");
        assertEquals(0, again.code(), again.err());
        assertEquals(7, again.out().lines().filter(l -> l.endsWith(": finished, skipped")).count(), again.out());

        CliTest.Result status = CliTest.run("plan", "status", file.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("7 finished"), status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith("mae-synthetic-gated ") && l.contains("1/1")), status.out());

        // One run gone, one whose process died mid-run (record says running, nobody holds the lock).
        PlanEntry gone = plan.entries().get(1);
        PlanEntry died = plan.entries().get(4);
        try (var s = Files.walk(gone.folderPath())) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Path rec = died.folderPath().resolve("record.json");
        Files.writeString(rec, Files.readString(rec).replace("\"status\": \"finished\"", "\"status\": \"running\""));
        CliTest.Result partial = CliTest.run("plan", "status", file.toString());
        assertTrue(partial.out().contains("5 finished, 1 missing, 1 stopped"), partial.out());
        assertTrue(partial.out().lines().anyMatch(l -> l.startsWith("mae-synthetic-gated ") && l.contains("0/1")), partial.out());

        CliTest.Result resubmit = CliTest.run("plan", "slurm", file.toString(), "--throttle", "3");
        assertEquals(0, resubmit.code(), resubmit.err());
        String script = Files.readString(SlurmArray.scriptFile(file));
        assertTrue(script.contains("#SBATCH --array=0-1%3\n"), script);
        assertEquals(List.of(gone.id(), died.id()), Files.readAllLines(SlurmArray.idsFile(file)));

        // The array task of index 0 runs exactly the missing entry; index 1 resumes the stopped one.
        CliTest.Result task = CliTest.run("plan", "run", file.toString(), "--ids", SlurmArray.idsFile(file).toString(), "--index", "0",
                "--progress", "QUIET");
        assertEquals(0, task.code(), task.out() + task.err());
        assertTrue(Files.exists(gone.folderPath().resolve("record.json")));
        assertTrue(CliTest.run("plan", "status", file.toString()).out().contains("6 finished, 1 stopped"));
    }

    @Test
    void sacctLinesGiveEachArrayTaskItsState() {
        String out = "77_0|COMPLETED\n77_0.batch|COMPLETED\n77_1|RUNNING\n77_[2-4%2]|PENDING\n78_0|FAILED\n77_5|CANCELLED by 1000\n";
        assertEquals(Map.of(0, "COMPLETED", 1, "RUNNING", 2, "PENDING", 3, "PENDING", 4, "PENDING", 5, "CANCELLED"),
                SlurmArray.parseSacct(out, "77"));
    }

    @Test
    void squeueLinesParseLikeSacctsAndSacctWithoutAccountingGivesNone() {
        // As Slurm 22.05 printed them on a one-node cluster without accounting storage (environment/slurm-check.sh):
        // `squeue -h -r -j 9 -o '%i|%T'` while task 0 ran under --throttle 1, and sacct's answer (exit 1) there.
        String squeue = "9_1|PENDING\n9_2|PENDING\n9_3|PENDING\n9_0|RUNNING\n";
        assertEquals(Map.of(0, "RUNNING", 1, "PENDING", 2, "PENDING", 3, "PENDING"), SlurmArray.parseSacct(squeue, "9"));
        assertEquals(Map.of(), SlurmArray.parseSacct("Slurm accounting storage is disabled\n", "9"));
    }
}
