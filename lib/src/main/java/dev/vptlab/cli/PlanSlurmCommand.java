package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.plan.EntryState;
import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.plan.SlurmArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab plan slurm PLAN}: the plan's unfinished runs as an sbatch job array (script and index → id map
 * in {@code <plan>.slurm/}); {@code --submit} hands it to sbatch and keeps the job id for {@code plan status}.
 */
@Command(name = "slurm", mixinStandardHelpOptions = true, description = "Write (and optionally submit) a Slurm job array of a plan's unfinished runs.")
final class PlanSlurmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PLAN", description = "Plan file written by vptlab plan.")
    Path planFile;

    @Option(names = "--dry-run", description = "Print the script and write nothing.")
    boolean dryRun;

    @Option(names = "--submit", description = "Submit the script with sbatch and keep the job id.")
    boolean submit;

    @Option(names = "--partition") String partition;
    @Option(names = "--account") String account;
    @Option(names = "--gpus", defaultValue = "1", description = "GPUs per run (default ${DEFAULT-VALUE}).") int gpus;
    @Option(names = "--cpus", defaultValue = "8", description = "CPUs per run, for image decoding (default ${DEFAULT-VALUE}).") int cpus;
    @Option(names = "--mem", defaultValue = "64G", description = "Memory per run (default ${DEFAULT-VALUE}).") String mem;
    @Option(names = "--time", defaultValue = "24:00:00", description = "Time limit per run (default ${DEFAULT-VALUE}); a run cut off is requeued and resumes.") String time;
    @Option(names = "--throttle", defaultValue = "0", description = "At most this many runs at once (0: no limit).") int throttle;
    @Option(names = "--launcher", defaultValue = "./vptlab", description = "How a node starts vptlab, from the submit folder (default ${DEFAULT-VALUE}).") String launcher;

    @Override
    public Integer call() {
        if (dryRun && submit) {
            throw new VptlabException("--dry-run and --submit exclude each other");
        }
        Plan plan = Plan.read(planFile);
        PrintWriter w = spec.commandLine().getOut();
        // Only what is not finished: a re-submission after a partial campaign runs the rest.
        List<String> ids = plan.entries().stream().filter(e -> !EntryState.of(e.folderPath()).finished()).map(PlanEntry::id).toList();
        if (ids.isEmpty()) {
            w.println("all " + plan.entries().size() + " runs of " + planFile + " are finished; nothing to submit");
            return 0;
        }
        SlurmArray array = new SlurmArray(new SlurmArray.Resources(partition, account, gpus, cpus, mem, time), throttle);
        String script = array.script("vptlab-" + plan.name(), planFile, ids.size(), Path.of("").toAbsolutePath(), launcher);
        if (dryRun) {
            w.print(script);
            w.println("# array index -> run (" + SlurmArray.idsFile(planFile) + "):");
            for (int i = 0; i < ids.size(); i++) {
                w.println("#   " + i + " " + ids.get(i));
            }
            w.flush();
            return 0;
        }
        refuseWhileQueued();
        Path dir = SlurmArray.folder(planFile);
        try {
            Files.createDirectories(dir.resolve("logs")); // sbatch does not create the log folder
        } catch (IOException e) {
            throw new VptlabException(dir + ": cannot create: " + e.getMessage(), e);
        }
        AtomicFiles.writeString(SlurmArray.idsFile(planFile), SlurmArray.ids(ids));
        AtomicFiles.writeString(SlurmArray.scriptFile(planFile), script);
        w.println("wrote " + SlurmArray.scriptFile(planFile) + " (" + ids.size() + " of " + plan.entries().size() + " runs)");
        if (submit) {
            String job = sbatch(SlurmArray.scriptFile(planFile));
            AtomicFiles.writeString(SlurmArray.jobIdFile(planFile), job + "\n");
            w.println("submitted job " + job);
        } else {
            w.println("submit with: sbatch " + SlurmArray.scriptFile(planFile) + "  (or plan slurm --submit, which keeps the job id)");
        }
        w.flush();
        return 0;
    }

    /**
     * A new array while the last one still has tasks queued or running would run those runs twice (the second
     * process fails on the run's lock) and rewrite the id file the queued tasks have yet to read.
     */
    private void refuseWhileQueued() {
        Path jobId = SlurmArray.jobIdFile(planFile);
        if (!Files.isRegularFile(jobId)) {
            return;
        }
        String job;
        try {
            job = Files.readString(jobId).strip();
        } catch (IOException e) {
            throw new VptlabException(jobId + ": cannot read: " + e.getMessage(), e);
        }
        Map<Integer, String> queued = PlanStatusCommand.queued(job);
        if (!queued.isEmpty()) {
            Map<String, Long> byState = new TreeMap<>(queued.values().stream().collect(Collectors.groupingBy(v -> v, Collectors.counting())));
            throw new VptlabException("job " + job + " of this plan still has tasks queued or running ("
                    + byState.entrySet().stream().map(c -> c.getValue() + " " + c.getKey()).collect(Collectors.joining(", "))
                    + "); a new array would run them twice and rewrite the ids they read: wait for it (squeue -j " + job
                    + ") or scancel " + job + ", then submit again");
        }
    }

    private static String sbatch(Path script) {
        try {
            Process p = new ProcessBuilder("sbatch", "--parsable", script.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new VptlabException("sbatch failed: " + out);
            }
            // --parsable prints "jobid" or "jobid;cluster"
            return out.lines().reduce((a, b) -> b).orElse("").split(";")[0];
        } catch (IOException e) {
            throw new VptlabException("cannot run sbatch (is Slurm installed here?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VptlabException("interrupted while waiting for sbatch", e);
        }
    }
}
