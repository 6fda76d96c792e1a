package dev.vptlab.reproduce;

import dev.vptlab.VptlabException;
import dev.vptlab.plan.SeedSummary;
import dev.vptlab.report.Tables;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegRecipes;
import dev.vptlab.seg.SegTrainer;
import dev.vptlab.train.NonFiniteException;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.TorchThreads;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The segmentation part of the embedded study: the mini benchmark's {@code fm-seg} with the ADE20K protocol at CPU
 * size ({@link SegRecipes#mini}) — VPT-deep, Gated PT and CVPT on the MAE and MoCo v3 trunks (the backbones of Gated
 * PT's Table 3), and the head-only baseline with the same budget (VPT's ADE20K table has that row).
 */
public final class SegmentationStudy {
    /** The methods of the study, the baseline last. */
    public static final List<String> METHODS = List.of("vpt-deep", "gated", "cvpt", "head-only");

    /**
     * Iterations of a quick-profile run (batch 16: 6.4 passes over the 1,000 training canvases), what the quick
     * profile's 15 minutes leave for eight runs. The heads are far from converged there (head only on MoCo v3: about
     * 22 mIoU at 400, 31 at 1,000), so one seed says little: {@code --segmentation-seeds} runs more.
     */
    public static final long QUICK_ITERATIONS = 400;

    /** The study's runs, one row per run (every seed), under the results folder. */
    public static final String RUNS_TABLE = "tables/segmentation.csv";

    /** The study's {@link #summary} over its seeds, under the results folder. */
    public static final String SEEDS_TABLE = "tables/segmentation_seeds.csv";

    private SegmentationStudy() {}

    /** One run of the study. */
    public record Job(String backbone, String method, Path folder, SegConfig config) {
        public long seed() {
            return config.seed();
        }
    }

    /** The runs of a profile with one seed: {@link #plan(Reproduce.Profile, Reproduce.Backbones, Path, long, int)}. */
    public static List<Job> plan(Reproduce.Profile p, Reproduce.Backbones b, Path results, long seed) {
        return plan(p, b, results, seed, 1);
    }

    /**
     * The runs of a profile: smoke one tiny gated run on MAE; quick every method on MAE and MoCo v3, for {@code seeds}
     * seeds {@code seed, seed + 1, …}. The first seed's runs keep their folder ({@code mae-gated}), the others' carry the
     * seed ({@code mae-gated-seed43}), so that adding seeds reuses the runs made before. Under one seed every method
     * starts from the same heads and sees the same batches, so that the comparison with head only is paired.
     */
    public static List<Job> plan(Reproduce.Profile p, Reproduce.Backbones b, Path results, long seed, int seeds) {
        if (seeds < 1) {
            throw new VptlabException("segmentation seeds must be at least 1, got " + seeds);
        }
        List<Job> jobs = new ArrayList<>();
        if (p == Reproduce.Profile.SMOKE) {
            SegConfig c = SegRecipes.mini("gated", abs(b.mae()), 4).with(x -> {
                x.seed = seed;
                x.trainLimit = 64;
                x.testLimit = 64;
            });
            jobs.add(new Job("mae", "gated", results.resolve("runs/segmentation/mae-gated"), c));
            return jobs;
        }
        for (int k = 0; k < seeds; k++) {
            long s = seed + k;
            String suffix = k == 0 ? "" : "-seed" + s;
            for (String backbone : List.of("mae", "mocov3")) {
                Path file = backbone.equals("mae") ? b.mae() : b.mocov3();
                for (String method : METHODS) {
                    // The first 1,000 test canvases, as the classification runs of this profile are tested.
                    SegConfig c = SegRecipes.mini(method, abs(file), QUICK_ITERATIONS).with(x -> {
                        x.seed = s;
                        x.testLimit = 1000;
                    });
                    Path folder = results.resolve("runs/segmentation").resolve(backbone + "-" + method + suffix);
                    jobs.add(new Job(backbone, method, folder, c));
                }
            }
        }
        return jobs;
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    /** Runs (or resumes, or only reads when finished with the same config) every job; one row per job. */
    public static Table run(List<Job> jobs, Path dataRoot, Progress.Mode mode, PrintStream log) {
        long t0 = System.nanoTime();
        StringColumn backbone = StringColumn.create("backbone");
        StringColumn method = StringColumn.create("method");
        LongColumn seed = LongColumn.create("seed");
        DoubleColumn miou = DoubleColumn.create("test_miou");
        DoubleColumn aacc = DoubleColumn.create("test_aacc");
        LongColumn trainable = LongColumn.create("trainable_params");
        LongColumn iterations = LongColumn.create("iterations");
        DoubleColumn wall = DoubleColumn.create("wall_s");
        StringColumn status = StringColumn.create("status");
        int i = 0;
        for (Job j : jobs) {
            i++;
            RunRecord r = existing(j);
            if (r == null) {
                boolean resume = Files.exists(j.folder().resolve(RunFolder.RECORD_FILE));
                try (TorchThreads.Scope threads = TorchThreads.exactly(Reproduce.STUDY_THREADS)) {
                    r = SegTrainer.train(j.config(), dataRoot, j.folder(), new Progress(mode, log), resume);
                } catch (NonFiniteException e) {
                    // A diverged run is a result of the study, not the end of it: its record says "failed" with the
                    // reason, its row has no mIoU, and the other runs go on.
                    r = RunRecord.read(j.folder());
                    log.printf("[%d/%d] segmentation   %-10s fm-seg       %-11s diverged: %s%n", i, jobs.size(), j.backbone(),
                            j.method(), e.getMessage());
                }
            }
            EvalResultRow row = new EvalResultRow(r);
            status.append(r.status().equals(RunRecord.FINISHED) ? "finished" : r.status() + ": " + r.failure());
            backbone.append(j.backbone());
            method.append(j.method());
            seed.append(j.seed());
            miou.append(row.miou);
            aacc.append(row.aacc);
            trainable.append(r.trainableParameters());
            iterations.append(j.config().iterations());
            wall.append(r.wallSeconds());
            log.printf("[%d/%d] segmentation   %-10s fm-seg       %-11s seed %-4d test mIoU %6.2f%n", i, jobs.size(),
                    j.backbone(), j.method(), j.seed(), row.miou);
        }
        log.printf("%d segmentation runs in %.1f min (wall time of this invocation)%n", jobs.size(), (System.nanoTime() - t0) / 60e9);
        return Table.create("segmentation", backbone, method, seed, miou, aacc, trainable, iterations, wall, status);
    }

    /** The last test evaluation's figures of a record. */
    private static final class EvalResultRow {
        final double miou;
        final double aacc;

        EvalResultRow(RunRecord r) {
            var last = r.epochs().isEmpty() ? null : r.epochs().get(r.epochs().size() - 1).test();
            miou = last == null ? Double.NaN : last.miou();
            aacc = last == null ? Double.NaN : last.aacc();
        }
    }

    /**
     * The job's record when the run ended: finished, or failed (diverged, or stopped by an error), which is read as it
     * is, as {@code vptlab plan run} leaves failed runs for a look; its row says why, and removing its folder runs it
     * again. Otherwise the parent of {@code --workers} would train a diverged run a second time after its worker.
     * Null when the run has not started or was interrupted (then it resumes).
     */
    private static RunRecord existing(Job j) {
        if (!Files.exists(j.folder().resolve(RunFolder.RECORD_FILE))) {
            return null;
        }
        RunRecord r = RunRecord.read(j.folder());
        if (!j.config().recorded().equals(r.config())) {
            throw new VptlabException(j.folder() + " holds a run with another config; remove it or choose another results folder");
        }
        return r.status().equals(RunRecord.FINISHED) || r.status().equals(RunRecord.FAILED) ? r : null;
    }

    /**
     * Per trunk and method over the seeds of {@code runs} ({@link #run}'s table): the mean, sample standard deviation,
     * lowest and highest test mIoU of the finished runs, how many finished out of how many ran, and the mean of the
     * paired differences from head only at the same seed (a seed whose head-only or method run diverged is left out).
     * {@code runs} may also be {@code tables/segmentation.csv} read back (its seed column then reads as integers).
     */
    public static Table summary(Table runs) {
        // (backbone, method) -> seed -> test mIoU (NaN for a diverged run); the same for the difference from head only
        Map<List<String>, Map<Long, Double>> miou = new LinkedHashMap<>();
        Map<List<String>, Map<Long, Double>> paired = new LinkedHashMap<>();
        DoubleColumn test = runs.doubleColumn("test_miou");
        for (int i = 0; i < runs.rowCount(); i++) {
            List<String> key = List.of(runs.stringColumn("backbone").get(i), runs.stringColumn("method").get(i));
            long seed = (long) runs.numberColumn("seed").getDouble(i);
            double v = test.isMissing(i) ? Double.NaN : test.get(i);
            miou.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(seed, v);
        }
        miou.forEach((key, seeds) -> {
            Map<Long, Double> base = miou.getOrDefault(List.of(key.get(0), "head-only"), Map.of());
            Map<Long, Double> d = new LinkedHashMap<>();
            seeds.forEach((seed, v) -> d.put(seed, v - base.getOrDefault(seed, Double.NaN)));  // NaN unless both ran
            paired.put(key, d);
        });
        StringColumn backbone = StringColumn.create("backbone");
        StringColumn method = StringColumn.create("method");
        StringColumn finished = StringColumn.create("finished");
        DoubleColumn mean = DoubleColumn.create("mean_test_miou");
        DoubleColumn sd = DoubleColumn.create("sd_test_miou");
        DoubleColumn min = DoubleColumn.create("min_test_miou");
        DoubleColumn max = DoubleColumn.create("max_test_miou");
        DoubleColumn diff = DoubleColumn.create("mean_paired_diff_vs_head_only");
        DoubleColumn diffMin = DoubleColumn.create("min_paired_diff_vs_head_only");
        miou.forEach((key, seeds) -> {
            SeedSummary s = new SeedSummary(key.get(0) + " " + key.get(1), seeds, Map.of());
            boolean headOnly = key.get(1).equals("head-only");
            SeedSummary d = new SeedSummary(s.result(), headOnly ? Map.of() : paired.get(key), Map.of());
            backbone.append(key.get(0));
            method.append(key.get(1));
            finished.append(s.finished() + "/" + seeds.size());
            mean.append(s.mean());
            sd.append(s.std());
            min.append(s.min());
            max.append(s.max());
            diff.append(d.mean());
            diffMin.append(d.min());
        });
        return Table.create("segmentation over seeds", backbone, method, finished, mean, sd, min, max, diff, diffMin);
    }

    /** {@code tables/segmentation.csv} and its {@link #summary} {@code tables/segmentation_seeds.csv}; returns the summary. */
    public static Table writeOutputs(Table t, Path results) {
        Tables.saveCsv(t, results.resolve(RUNS_TABLE));
        Table summary = summary(t);
        Tables.saveCsv(summary, results.resolve(SEEDS_TABLE));
        return summary;
    }
}
