package dev.vptlab.cli;

import dev.vptlab.plan.EntryState;
import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.plan.PlanTables;
import dev.vptlab.plan.SeedSummary;
import dev.vptlab.plan.SlurmArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab plan status PLAN}: each run's state from its folder, the Slurm state of its array task when
 * the plan was submitted ({@code sacct}, or {@code squeue} for queued and running tasks), and each result
 * across seeds (mean ± std, and every seed's value: test top-1, or mIoU for segmentation runs).
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show where each run of a plan stands, and the results across seeds.")
final class PlanStatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PLAN", description = "Plan file written by vptlab plan.")
    Path planFile;

    @Override
    public Integer call() {
        Plan plan = Plan.read(planFile);
        PrintWriter w = spec.commandLine().getOut();
        Map<String, EntryState> states = new HashMap<>();
        plan.entries().forEach(e -> states.put(e.id(), EntryState.of(e.folderPath())));
        Map<String, String> slurm = slurmStates(planFile);
        // Classification runs show epochs and test top-1; segmentation runs evaluation periods and test mIoU.
        w.printf(Locale.ROOT, "%-5s %-44s %-10s %-11s %6s %9s  %s%n", "#", "run", "state", "slurm", PlanTables.progressName(plan),
                PlanTables.metricName(plan), "note");
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < plan.entries().size(); i++) {
            PlanEntry e = plan.entries().get(i);
            EntryState s = states.get(e.id());
            counts.merge(s.state(), 1, Integer::sum);
            double metric = PlanTables.metric(e, s.record());
            w.printf(Locale.ROOT, "%-5d %-44s %-10s %-11s %6s %9s  %s%n", i, e.id(), s.state(), slurm.getOrDefault(e.id(), ""),
                    PlanTables.progress(e, s.record()), Double.isNaN(metric) ? "" : String.format(Locale.ROOT, "%.2f", metric),
                    s.note());
        }
        w.println(counts.entrySet().stream().map(c -> c.getValue() + " " + c.getKey()).collect(Collectors.joining(", ")));
        w.println();
        w.println(results(SeedSummary.of(plan, e -> states.get(e.id()))));
        w.flush();
        return 0;
    }

    /** The results table: mean ± std over the seeds that are complete, then each seed's value ("-" while incomplete). */
    static String results(List<SeedSummary> summaries) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-40s %7s %7s %5s  %s%n", "result", "mean", "± std", "seeds", "per seed"));
        for (SeedSummary s : summaries) {
            long done = s.perSeed().values().stream().filter(Double::isFinite).count();
            String per = s.perSeed().entrySet().stream()
                    .map(e -> e.getKey() + ":" + (Double.isFinite(e.getValue()) ? String.format(Locale.ROOT, "%.2f", e.getValue()) : "-")
                            + (s.chosen().containsKey(e.getKey()) && !s.chosen().get(e.getKey()).startsWith(s.result() + "-s")
                                    ? " (" + s.chosen().get(e.getKey()) + ")" : ""))
                    .collect(Collectors.joining(", "));
            b.append(String.format(Locale.ROOT, "%-40s %7s %7s %5s  %s%n", s.result(), fmt(s.mean()), fmt(s.std()),
                    done + "/" + s.perSeed().size(), per));
        }
        return b.toString();
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "";
    }

    /**
     * Entry id → Slurm state of its task in the last submission: from {@code sacct} (every task, finished ones
     * included), else from {@code squeue} (queued and running tasks only: a cluster without accounting storage,
     * where sacct fails, still shows them); empty when neither is on the PATH or the plan was not submitted.
     */
    static Map<String, String> slurmStates(Path planFile) {
        Path jobId = SlurmArray.jobIdFile(planFile);
        Path ids = SlurmArray.idsFile(planFile);
        if (!Files.isRegularFile(jobId) || !Files.isRegularFile(ids)) {
            return Map.of();
        }
        try {
            String job = Files.readString(jobId).strip();
            List<String> lines = Files.readAllLines(ids);
            String out = query("sacct", "-j", job, "--parsable2", "--noheader", "--format=JobID,State");
            Map<Integer, String> byIndex = out == null ? Map.of() : SlurmArray.parseSacct(out, job);
            if (byIndex.isEmpty()) {
                byIndex = queued(job);
            }
            Map<String, String> m = new LinkedHashMap<>();
            byIndex.forEach((i, state) -> {
                if (i < lines.size()) {
                    m.put(lines.get(i).strip(), state);
                }
            });
            return m;
        } catch (IOException e) {
            return Map.of(); // Slurm's view is extra; the folders' states above stand on their own
        }
    }

    /** Array index → state of each task of {@code job} that Slurm still queues or runs ({@code squeue}); empty when none or no squeue. */
    static Map<Integer, String> queued(String job) {
        String out = query("squeue", "-h", "-r", "-j", job, "-o", "%i|%T");
        return out == null ? Map.of() : SlurmArray.parseSacct(out, job);
    }

    /** The output of a Slurm command, or null when it is not on the PATH, cannot run or fails (e.g. sacct without accounting). */
    private static String query(String... command) {
        if (!onPath(command[0])) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
