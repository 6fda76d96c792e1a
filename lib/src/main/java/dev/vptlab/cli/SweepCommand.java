package dev.vptlab.cli;

import dev.vptlab.prompt.VptShallow;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.prompt.MethodConfig;
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
 * Fig. 1; our reconstruction). {@code vptlab sweep lr}: Gated PT's grid, selected by val top-1.
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

    @Option(names = "--grid", split = ",", description = "lr: the grid (default: Gated PT's 0.05,0.1,0.25,0.5,1,2.5,5).")
    List<Double> grid;

    @Option(names = "--blocks", split = ",", description = "block-location: the insertion blocks (default 1..L).")
    List<Integer> blocks;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
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
