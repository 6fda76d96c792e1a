package dev.vptlab.reproduce;

import dev.vptlab.prompt.Methods;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.prompt.VptDeep;
import dev.vptlab.prompt.VptShallow;
import dev.vptlab.VptlabException;
import dev.vptlab.mini.MiniBenchmark;
import dev.vptlab.mini.MiniTask;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.report.Charts;
import dev.vptlab.report.StudyTable;
import dev.vptlab.report.Tables;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.RunSeries;
import dev.vptlab.train.TorchThreads;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * The embedded study on the mini benchmark: the block-location sweep (Yoo et al. Fig. 1, our
 * reconstruction) for the MAE, MoCo v3 and supervised tiny backbones, and VPT-shallow, VPT-deep, Gated PT
 * and CVPT on every mini task with each self-supervised backbone. Every point is an ordinary run folder
 * (so an interrupted study resumes where it stopped); tables (CSV) and plots (PNG) are derived from the
 * run records.
 *
 * <p>Long because it lists every study of the embedded reproduction in one place, so that a reader sees the
 * whole plan and its budgets together.
 */
public final class Reproduce {
    /** How much to run: {@code smoke} (tests, notebooks: seconds) or {@code quick} (the embedded default). */
    public enum Profile {
        SMOKE, QUICK
    }

    /** The three tiny backbones (trunk checkpoints). */
    public record Backbones(Path mae, Path mocov3, Path supervised) {
        Map<String, Path> all() {
            Map<String, Path> m = new LinkedHashMap<>();
            m.put("mae", mae);
            m.put("mocov3", mocov3);
            m.put("supervised", supervised);
            return m;
        }
    }

    /**
     * One run of the study.
     *
     * @param variant what distinguishes this run within its study beyond method and insertion block (e.g.
     *     "gates off", "position 2", "prompts 20"); "" for none
     * @param variantValue the number the variant sets (2 for "position 2"); NaN for none
     */
    public record Job(String study, String backbone, String task, String method, int insertBlock, String variant, double variantValue,
            Path folder, RunConfig config) {}

    /**
     * Training budget per profile; every choice is stated in the run records.
     *
     * @param trainLimit / testLimit first images of the splits (0 = the task's 1000 train / 2000 test)
     */
    public record Budget(int epochs, int prompts, List<String> sweepTasks, List<Integer> blocks, List<String> methodTasks,
            List<String> methods, int trainLimit, int testLimit) {}

    /**
     * Gate init for the mini study: Table 5's values (1..20) are tuned per task at ViT-B scale; 1 (g ≈ 0.27)
     * keeps the gates trainable in a few epochs (our choice: the code starts γ at −GATE_INIT, and at large
     * GATE_INIT the gate σ(γ) ≈ 0 has almost no gradient).
     */
    static final float GATE_INIT = 1f;

    /** The task of the single-task ablations: the fine-grained subset, the mini benchmark's CUB. */
    public static final String ABLATION_TASK = "fm-tops";

    private Reproduce() {}

    /** The budget of a profile (also what {@code Lab.budget} applies to a notebook's own runs). */
    public static Budget budget(Profile p) {
        List<String> all = MiniBenchmark.tasks().stream().filter(t -> !t.isSegmentation()).map(MiniTask::key).toList();
        List<String> methods = Methods.builtIn();
        return switch (p) {
            case SMOKE -> new Budget(1, 2, List.of("fm-item"), List.of(1, 12), List.of("fm-tops"), methods, 128, 128);
            // Sized for 15 minutes on 2 CPU cores (README, "The embedded default"): 2 epochs on train800 (the
            // first 800 images of train800val200, VTAB-1K's tuning split), tested on the first 1000 test images.
            case QUICK -> new Budget(2, 5, List.of("fm-item", "fm-position"),
                    java.util.stream.IntStream.rangeClosed(1, 12).boxed().toList(), all, methods, MiniBenchmark.TRAIN_VAL
                    - MiniBenchmark.VAL, 1000);
        };
    }

    /** The runs of {@code vptlab reproduce}, in order: the block-location sweep, then the method comparison. */
    public static List<Job> plan(Profile p, Backbones b, Path results, long seed) {
        List<Job> jobs = new ArrayList<>(blockLocation(p, b, results, seed));
        jobs.addAll(methods(p, b, results, seed, jobs));
        return jobs;
    }

    /** Yoo et al. Fig. 1 (our reconstruction): VPT-shallow first inserted before block k, every backbone. */
    public static List<Job> blockLocation(Profile p, Backbones b, Path results, long seed) {
        Budget budget = budget(p);
        List<Job> jobs = new ArrayList<>();
        for (Map.Entry<String, Path> bb : b.all().entrySet()) {
            for (String task : budget.sweepTasks()) {
                for (int k : budget.blocks()) {
                    MethodConfig m = VptShallow.Config.of(budget.prompts()).withInsertBlock(k);
                    jobs.add(job("block-location", bb.getKey(), bb.getValue(), task, m, "", Double.NaN, budget, seed,
                            results.resolve("runs/block-location").resolve(bb.getKey() + "-" + task + String.format("-k%02d", k))));
                }
            }
        }
        return jobs;
    }

    /**
     * VPT-shallow, VPT-deep, Gated PT and CVPT on every mini task with the two self-supervised backbones
     * (the comparison of Yoo et al. is about those). A VPT-shallow run equal to one of {@code earlier} (the
     * sweep's k = 1 point) is not run twice: the job points at that run's folder.
     */
    public static List<Job> methods(Profile p, Backbones b, Path results, long seed, List<Job> earlier) {
        Budget budget = budget(p);
        List<Job> jobs = new ArrayList<>();
        for (Map.Entry<String, Path> bb : b.all().entrySet()) {
            if (bb.getKey().equals("supervised")) {
                continue;
            }
            for (String task : budget.methodTasks()) {
                for (String method : budget.methods()) {
                    MethodConfig m = MethodConfig.of(method, budget.prompts()).withSettings(Map.of("gate_init", GATE_INIT));
                    Job j = job("methods", bb.getKey(), bb.getValue(), task, m, "", Double.NaN, budget, seed,
                            results.resolve("runs/methods").resolve(bb.getKey() + "-" + task + "-" + method));
                    Job same = earlier.stream().filter(o -> o.config().equals(j.config())).findFirst().orElse(null);
                    jobs.add(same == null ? j : new Job("methods", j.backbone(), j.task(), j.method(), 1, "", Double.NaN, same.folder(),
                            j.config()));
                }
            }
        }
        return jobs;
    }

    /**
     * Yoo et al. Table 4 at small scale: VPT-shallow, then Gated PT with gates only, temperature only, and
     * both, on {@link #ABLATION_TASK} with the MAE backbone.
     */
    public static List<Job> gateAblation(Profile p, Backbones b, Path results, long seed) {
        Budget budget = budget(p);
        List<Job> jobs = new ArrayList<>();
        jobs.add(ablation("gate-ablation", "mae", b.mae(), VptShallow.Config.of(budget.prompts()), "no gates, no temperature",
                Double.NaN, budget, seed, results));
        for (boolean[] gt : new boolean[][] {{true, false}, {false, true}, {true, true}}) {
            String v = (gt[0] ? "gates" : "no gates") + ", " + (gt[1] ? "temperature" : "no temperature");
            jobs.add(ablation("gate-ablation", "mae", b.mae(),
                    GatedPrompts.Config.of(budget.prompts()).withGates(GATE_INIT, gt[0], gt[1]), v, Double.NaN, budget, seed, results));
        }
        return jobs;
    }

    /**
     * Yoo et al. Table 7 at small scale: the same total number of prompt tokens spent as VPT-deep (spread
     * over the 12 blocks) or as Gated PT (all at the input), MAE backbone, {@link #ABLATION_TASK}.
     */
    public static List<Job> fewerTokens(Profile p, Backbones b, Path results, long seed) {
        Budget budget = budget(p);
        List<Job> jobs = new ArrayList<>();
        for (int total : p == Profile.SMOKE ? List.of(12) : List.of(12, 24)) {
            jobs.add(ablation("fewer-tokens", "mae", b.mae(), VptDeep.Config.of(total / 12), "total " + total, total,
                    budget, seed, results));
            jobs.add(ablation("fewer-tokens", "mae", b.mae(), GatedPrompts.Config.of(total).withGates(GATE_INIT, true, true),
                    "total " + total, total, budget, seed, results));
        }
        return jobs;
    }

    /**
     * CVPT's ablations at small scale (Huang et al.): the insert position 1..5 of the cross-attention
     * branch, the four weight variants, and the number of prompts; supervised backbone (CVPT's backbone is
     * a supervised ViT), {@link #ABLATION_TASK}.
     */
    public static List<Job> cvptAblations(Profile p, Backbones b, Path results, long seed) {
        Budget budget = budget(p);
        List<Job> jobs = new ArrayList<>();
        CrossVisualPrompts.Config base = CrossVisualPrompts.Config.of(budget.prompts());
        for (int pos : p == Profile.SMOKE ? List.of(1, 3, 5) : List.of(1, 2, 3, 4, 5)) {
            jobs.add(ablation("cvpt-position", "supervised", b.supervised(), base.withCross(pos, base.weights()), "position " + pos,
                    pos, budget, seed, results));
        }
        for (CrossVisualPrompts.Weights w : CrossVisualPrompts.Weights.values()) {
            jobs.add(ablation("cvpt-weights", "supervised", b.supervised(), base.withCross(base.position(), w), w.name().toLowerCase(Locale.ROOT),
                    Double.NaN, budget, seed, results));
        }
        for (int n : p == Profile.SMOKE ? List.of(1, 10) : List.of(1, 5, 20, 50)) {
            jobs.add(ablation("cvpt-prompts", "supervised", b.supervised(), CrossVisualPrompts.Config.of(n), "prompts " + n, n, budget,
                    seed, results));
        }
        return jobs;
    }

    private static Job ablation(String study, String backbone, Path file, MethodConfig m, String variant, double variantValue,
            Budget budget, long seed, Path results) {
        String slug = variant.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return job(study, backbone, file, ABLATION_TASK, m, variant, variantValue, budget, seed,
                results.resolve("runs").resolve(study).resolve(backbone + "-" + m.id() + "-" + slug));
    }

    /**
     * One run: each method keeps its paper's optimizer family (SGD + cosine for VPT and Gated PT, AdamW + timm
     * cosine for CVPT) but without warm-up: the papers' warm-up would leave a 2-epoch run one epoch at lr 0 (Gated
     * PT) or at 1e-6 (CVPT). At this scale the learning rates are ours (a small search on fm-item, MAE trunk:
     * SGD 0.02 / 0.05 / 0.1 / 0.2, AdamW 2e-3 / 5e-3 / 1e-2; the largest were best and stable); the test split is
     * evaluated once, after the last epoch, and there is no validation pass. Pooling: see {@link #pooling}.
     */
    private static Job job(String study, String backbone, Path file, String task, MethodConfig m, String variant,
            double variantValue, Budget budget, long seed, Path folder) {
        RunConfig.Builder b = m.recipe().equals("cvpt") ? RunConfig.cvpt().lr(CVPT_LR).dropLast(false) : RunConfig.gated().lr(SGD_LR);
        // The absolute path: the CLI (cwd-relative --out) and a notebook (absolute folders) must plan equal configs,
        // or the notebook would refuse the CLI's finished runs as "another config".
        RunConfig cfg = b.task(task).backbone(file.toAbsolutePath().normalize().toString()).method(m).numClasses(MiniBenchmark.task(task).classes())
                .pooling(pooling(backbone)).epochs(budget.epochs())
                .warmupEpochs(0).batchSize(64).valEvery(0).testEvery(budget.epochs()).seed(seed)
                .trainLimit(budget.trainLimit()).testLimit(budget.testLimit()).build();
        return new Job(study, backbone, task, m.id(), m.insertBlock(), variant, variantValue, folder, cfg);
    }

    /** The representation the head reads: {@link EmbeddedBackbones#promptPooling}. */
    static Pooling pooling(String backbone) {
        return EmbeddedBackbones.promptPooling(backbone);
    }

    /** Learning rates of the mini study (ours, no grid search; see {@code docs/mini-benchmark.md}). */
    static final double SGD_LR = 0.2;
    static final double CVPT_LR = 1e-2;

    /**
     * libtorch's thread count for every run of the study (the segmentation study's too), wherever it runs: in
     * {@code vptlab reproduce} (one process or {@link StudyShards several}) or in a notebook. Runs end in different
     * last bits with another count ({@link TorchThreads}), so one count makes the study's numbers the same on a
     * laptop and on a 64-core server. One, because on 2 cores two runs at once with one thread each finish sooner
     * than one after the other with two (measured: 1.26× on the mini study's runs).
     */
    public static final int STUDY_THREADS = 1;

    /** Runs (or resumes) every job and returns one row per job; finished runs with the same config are only read. */
    public static Table run(List<Job> jobs, Path dataRoot, Progress.Mode mode, PrintStream log) {
        long t0 = System.nanoTime();
        List<RunRecord> records = new ArrayList<>();
        int i = 0;
        // The block-location jobs come in k order per backbone and task, so each run carries the previous run's
        // prefix caches on by one block.
        try (RunSeries series = new RunSeries(dataRoot); TorchThreads.Scope threads = TorchThreads.exactly(STUDY_THREADS)) {
            for (Job j : jobs) {
                i++;
                RunRecord r = existing(j);
                if (r == null) {
                    // A record without a checkpoint (stopped in its first epoch) resumes from scratch.
                    boolean resume = Files.exists(j.folder().resolve(RunFolder.RECORD_FILE));
                    r = series.run(j.config(), j.folder(), new Progress(mode, log), resume);
                }
                records.add(r);
                log.printf("[%d/%d] %-14s %-10s %-12s %-11s k=%-2d test top-1 %6.2f%n", i, jobs.size(), j.study(), j.backbone(),
                        j.task(), j.method(), j.insertBlock(), r.lastTestTop1());
            }
            log.printf("%d runs in %.1f min (wall time of this invocation); frozen-prefix caches: %s%n", jobs.size(),
                    (System.nanoTime() - t0) / 60e9, series.prefixCacheCounts());
        }
        return table(jobs, records);
    }

    /** tables/all_runs.csv and the plots of the block-location sweep and the method comparison. */
    public static void writeOutputs(Table table, Path results) {
        Tables.saveCsv(table, results.resolve("tables/all_runs.csv"));
        plots(table, results);
    }

    private static RunRecord existing(Job j) {
        if (!Files.exists(j.folder().resolve("record.json"))) {
            return null;
        }
        RunRecord r = RunRecord.read(j.folder());
        if (r.status().equals(RunRecord.FINISHED) && j.config().diff(r.config()).isEmpty()) {
            return r;
        }
        if (!j.config().diff(r.config()).isEmpty()) {
            throw new VptlabException(j.folder() + " holds a run with another config: " + j.config().diff(r.config())
                    + "; remove it or choose another results folder");
        }
        return null;
    }

    static Table table(List<Job> jobs, List<RunRecord> records) {
        List<StudyTable.Row> rows = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            Job j = jobs.get(i);
            RunRecord r = records.get(i);
            rows.add(new StudyTable.Row(j.study(), j.backbone(), j.task(), MiniBenchmark.task(j.task()).group().name().toLowerCase(Locale.ROOT),
                    j.method(), j.insertBlock(), j.variant(), j.variantValue(), r.lastTestTop1(), r.wallSeconds()));
        }
        return StudyTable.of("runs", rows);
    }

    private static void plots(Table t, Path results) {
        Table sweep = t.where(t.stringColumn("study").isEqualTo("block-location"));
        for (String task : sweep.stringColumn("task").unique()) {
            List<Charts.Series> series = new ArrayList<>();
            Table forTask = sweep.where(sweep.stringColumn("task").isEqualTo(task));
            for (String bb : forTask.stringColumn("backbone").unique()) {
                Table s = forTask.where(forTask.stringColumn("backbone").isEqualTo(bb)).sortAscendingOn("insert_block");
                series.add(new Charts.Series(bb, s.intColumn("insert_block").asDoubleArray(), s.doubleColumn("test_top1").asDoubleArray()));
            }
            Charts.savePng(Charts.blockLocation("Block location, " + task + " (mini benchmark)", series),
                    results.resolve("plots/block_location_" + task + ".png"));
        }
        Table methods = t.where(t.stringColumn("study").isEqualTo("methods"));
        for (String bb : methods.stringColumn("backbone").unique()) {
            Table forBb = methods.where(methods.stringColumn("backbone").isEqualTo(bb));
            List<String> tasks = new ArrayList<>(new java.util.LinkedHashSet<>(forBb.stringColumn("task").asList()));
            Map<String, List<Double>> series = new LinkedHashMap<>();
            for (String m : new java.util.LinkedHashSet<>(forBb.stringColumn("method").asList())) {
                List<Double> v = new ArrayList<>();
                for (String task : tasks) {
                    Table row = forBb.where(forBb.stringColumn("method").isEqualTo(m).and(forBb.stringColumn("task").isEqualTo(task)));
                    v.add(row.doubleColumn("test_top1").get(0));
                }
                series.put(m, v);
            }
            Charts.savePng(Charts.bars("Methods on the mini benchmark, " + bb + " backbone", "test top-1 (%)", tasks, series),
                    results.resolve("plots/methods_" + bb + ".png"));
        }
    }
}
