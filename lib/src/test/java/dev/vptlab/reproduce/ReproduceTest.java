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
    void aRunWritesTablesAndPlots() {
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
        // a second invocation finds the finished runs and trains nothing
        long t0 = System.nanoTime();
        Reproduce.run(jobs, tmp, Progress.Mode.QUIET, System.out);
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "finished runs are reused");
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
}
