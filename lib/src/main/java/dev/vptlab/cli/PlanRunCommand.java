package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.plan.EntryState;
import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegTrainer;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.RunSeries;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab plan run PLAN}: the plan's runs one after another in this process, sharing opened splits and
 * prefix caches ({@link RunSeries}). A finished run is skipped and one with a record is resumed, so running
 * the plan again after an interruption (or a Slurm requeue) continues where it stopped. Segmentation runs
 * (the ADE20K plans) train with {@link SegTrainer}, skipped and resumed alike.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a plan's runs here, skipping finished ones and resuming the others.")
final class PlanRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PLAN", description = "Plan file written by vptlab plan.")
    Path planFile;

    @Option(names = "--index", description = "Run only this one: a line of --ids, or else a position in the plan (from 0).")
    Integer index;

    @Option(names = "--ids", description = "File naming one entry id per line (a Slurm array's map, written by plan slurm).")
    Path ids;

    @Option(names = "--retry-failed", description = "Resume failed runs too (by default they are left for a look first).")
    boolean retryFailed;

    @Option(names = "--progress", defaultValue = "BAR", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Progress.Mode progress;

    @Override
    public Integer call() {
        Plan plan = Plan.read(planFile);
        PrintWriter w = spec.commandLine().getOut();
        int failed = 0;
        try (RunSeries series = new RunSeries(Path.of(plan.dataRoot()))) {
            for (PlanEntry e : selected(plan)) {
                EntryState s = EntryState.of(e.folderPath());
                if (s.finished()) {
                    w.println(e.id() + ": finished, skipped");
                    continue;
                }
                if (s.state().equals(RunRecord.FAILED) && !retryFailed) {
                    w.println(e.id() + ": failed before (" + s.note() + "), skipped; --retry-failed resumes it");
                    failed++;
                    continue;
                }
                boolean resume = !s.state().equals(EntryState.MISSING);
                try {
                    RunRecord r;
                    if (e.segmentation()) {
                        // As train --task ade20k does: SegTrainer opens its own splits (the config names its data folder).
                        r = SegTrainer.train(SegConfig.fromMap(e.config()), Path.of(plan.dataRoot()), e.folderPath(),
                                new Progress(progress, System.err), resume);
                        w.println(TrainCommand.segmentationSummary(r));
                    } else {
                        r = series.run(RunConfig.fromMap(e.config()), e.folderPath(), new Progress(progress, System.err), resume);
                        w.println(TrainCommand.summary(r));
                    }
                    if (!r.status().equals(RunRecord.FINISHED)) {
                        failed++;
                    }
                } catch (VptlabException ex) {
                    // One run's failure must not stop the rest of the plan; its record says why.
                    w.println(e.id() + ": " + (resume ? "resume" : "run") + " failed: " + ex.getMessage());
                    failed++;
                }
                w.flush();
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private List<PlanEntry> selected(Plan plan) {
        if (index == null) {
            if (ids != null) {
                throw new VptlabException("--ids goes with --index");
            }
            return plan.entries();
        }
        if (ids == null) {
            if (index < 0 || index >= plan.entries().size()) {
                throw new VptlabException("--index " + index + " is outside the plan's 0.." + (plan.entries().size() - 1));
            }
            return List.of(plan.entries().get(index));
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(ids);
        } catch (IOException ex) {
            throw new VptlabException(ids + ": cannot read: " + ex.getMessage(), ex);
        }
        if (index < 0 || index >= lines.size()) {
            throw new VptlabException(ids + " has no line " + index);
        }
        return List.of(plan.entry(lines.get(index).strip()));
    }
}
