package dev.vptlab.cli;

import dev.vptlab.prompt.VptShallow;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegTrainer;
import dev.vptlab.train.Recipes;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.RunSeries;
import dev.vptlab.train.Runs;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab sweep block-location}: VPT-shallow with prompts first inserted at k = 1..L (Yoo et al.
 * Fig. 1; our reconstruction). {@code vptlab sweep lr}: Gated PT's grid, selected by val top-1; on {@code fm-seg},
 * the prompts' lr with the heads' kept, each point trained on train800 and selected by val200 mIoU.
 * Each point is an ordinary run folder under {@code --out}; a sweep resumes where it stopped.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, description = "Run a block-location or learning-rate sweep.")
final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "block-location or lr")
    String kind;

    @Mixin
    TrainOptions options = new TrainOptions();

    @Option(names = "--out", required = true, description = "Sweep folder; one run folder per point.")
    Path out;

    @Option(names = "--grid", split = ",", description = "lr: the grid (default: Gated PT's 0.05,0.1,0.25,0.5,1,2.5,5;"
            + " fm-seg: the prompts' lr 0.4,4,40 around the mini recipe's 4, the heads keeping theirs).")
    List<Double> grid;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (default: the engine's); 1 repeats"
            + " vptlab reproduce's runs bit for bit.")
    Integer threads;

    /** fm-seg's default grid for the prompts' lr: a decade either side of the mini recipe's. */
    static final List<Double> MINI_SEG_LR_GRID = List.of(0.4, 4.0, 40.0);

    @Option(names = "--blocks", split = ",", description = "block-location: the insertion blocks (default 1..L).")
    List<Integer> blocks;

    @Override
    public Integer call() {
        return dev.vptlab.train.TorchThreads.during(threads, this::sweep);
    }

    private int sweep() {
        PrintWriter w = spec.commandLine().getOut();
        if (options.segmentation()) {
            segmentationLr(w);
            w.println(Runs.format(Runs.load(out)));
            return 0;
        }
        RunConfig base = options.config();
        List<RunRecord> done = new ArrayList<>();
        // One series: the points share their opened splits and frozen-prefix caches (a k sweep carries them on).
        try (RunSeries series = new RunSeries(options.dataRoot, options.loadOptions())) {
            sweep(series, base, done, w);
        }
        w.println(Runs.format(Runs.load(out)));
        return 0;
    }

    private void sweep(RunSeries series, RunConfig base, List<RunRecord> done, PrintWriter w) {
        switch (kind) {
            case "block-location" -> {
                int depth = Checkpoint.read(options.backbone).architecture().shapes().depth();
                List<Integer> ks = blocks != null ? blocks : java.util.stream.IntStream.rangeClosed(1, depth).boxed().toList();
                for (int k : ks) {
                    MethodConfig m = new VptShallow.Config(base.method().prompts(), k, base.method().dropout());
                    done.add(point(series, base.toBuilder().method(m).build(), out.resolve(String.format("k%02d", k))));
                }
            }
            case "lr" -> {
                List<Double> lrs = grid != null ? grid : Recipes.GATED_LR_GRID;
                if (base.valEvery() == 0) {
                    throw new VptlabException("an lr sweep selects by validation accuracy: --val-every must be positive");
                }
                RunRecord best = null;
                for (double lr : lrs) {
                    RunRecord r = point(series, base.toBuilder().lr(lr).build(), out.resolve("lr" + lr));
                    done.add(r);
                    if (best == null || r.bestValTop1() > best.bestValTop1()) {
                        best = r;
                    }
                }
                w.printf("selected lr %s by best val top-1 %.2f (run %s)%n", best.config().get("lr"), best.bestValTop1(), best.runId());
            }
            default -> throw new VptlabException("unknown sweep '" + kind + "'; known: block-location, lr");
        }
    }

    /**
     * A segmentation lr sweep: each grid value is the lr of the prompts (and of the gates and τ), while the heads keep
     * the recipe's lr; every point trains on train800 and is scored on val200 ({@code eval_split val}), and the best val
     * mIoU is selected. ADE20K has no held-out split apart from the one the papers report, so it has no lr sweep here.
     */
    private void segmentationLr(PrintWriter w) {
        if (!kind.equals("lr")) {
            throw new VptlabException("a segmentation task has the lr sweep only, not '" + kind + "'");
        }
        SegConfig base = options.segConfig();
        if (!base.task().equals("fm-seg")) {
            throw new VptlabException("an lr sweep selects on a validation split, and " + base.task() + " has none apart from"
                    + " the one the papers report: the lr sweep covers fm-seg only");
        }
        double headLr = base.lr() * base.headLrMult();
        RunRecord best = null;
        for (double lr : grid != null ? grid : MINI_SEG_LR_GRID) {
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new VptlabException("--grid values must be positive learning rates, got " + lr);
            }
            SegConfig cfg = base.with(b -> {
                b.lr = lr;
                b.headLrMult = headLr / lr;
                b.evalSplit = SegConfig.VAL;
            });
            Path dir = out.resolve("lr" + lr);
            RunRecord r = null;
            boolean started = Files.exists(dir.resolve("record.json"));
            if (started) {
                RunRecord old = RunRecord.read(dir);
                if (old.status().equals(RunRecord.FINISHED) && old.config().equals(cfg.recorded())) {
                    r = old;
                }
            }
            if (r == null) {
                r = SegTrainer.train(cfg, options.dataRoot, dir, new Progress(options.progress, System.err), started);
            }
            w.println(TrainCommand.segmentationSummary(r));
            if (best == null || r.lastValMiou() > best.lastValMiou()) {
                best = r;
            }
        }
        w.printf(java.util.Locale.ROOT, "selected lr %s (heads %s) by best val mIoU %.2f (run %s)%n", best.config().get("lr"),
                headLr, best.lastValMiou(), best.runId());
    }

    /** Runs one point, or skips it when its folder already holds a finished run with the same config. */
    private RunRecord point(RunSeries series, RunConfig cfg, Path dir) {
        boolean started = Files.exists(dir.resolve("record.json"));
        if (started) {
            RunRecord r = RunRecord.read(dir);
            if (r.status().equals(RunRecord.FINISHED) && cfg.diff(r.config()).isEmpty()) {
                return r;
            }
        }
        return series.run(cfg, dir, new Progress(options.progress, System.err), started);
    }
}
