package dev.vptlab.plan;

import dev.vptlab.VptlabException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan's unfinished runs as one Slurm job array: task i runs {@code vptlab plan run PLAN --ids FILE --index i},
 * where line i of FILE names the entry. A run resumes from its folder, so {@code --requeue} (a preempted or
 * failed node) is safe: the requeued task continues the run instead of starting it again.
 *
 * @param resources the {@code #SBATCH} resource lines' values
 * @param throttle at most this many array tasks at once ({@code %K}); 0 for no limit
 */
public record SlurmArray(Resources resources, int throttle) {
    /** What each array task asks for; null fields are left to the cluster's defaults. */
    public record Resources(String partition, String account, int gpus, int cpus, String mem, String time) {
        public Resources {
            if (gpus < 0 || cpus < 1) {
                throw new VptlabException("--gpus must be at least 0 and --cpus at least 1");
            }
        }
    }

    public SlurmArray {
        if (throttle < 0) {
            throw new VptlabException("--throttle must be at least 0, got " + throttle);
        }
    }

    /** The folder beside {@code plan} holding the script, the array's id file, the job id and the logs. */
    public static Path folder(Path plan) {
        String f = plan.getFileName().toString();
        return plan.toAbsolutePath().resolveSibling((f.endsWith(".json") ? f.substring(0, f.length() - 5) : f) + ".slurm");
    }

    public static Path idsFile(Path plan) {
        return folder(plan).resolve("array-ids.txt");
    }

    public static Path jobIdFile(Path plan) {
        return folder(plan).resolve("job_id");
    }

    public static Path scriptFile(Path plan) {
        return folder(plan).resolve("job.sbatch");
    }

    /** The id file's text: one entry id per array index. */
    public static String ids(List<String> entryIds) {
        return entryIds.isEmpty() ? "" : String.join("\n", entryIds) + "\n";
    }

    /** The sbatch script for {@code tasks} array tasks of {@code plan}, run from {@code workDir} with {@code launcher}. */
    public String script(String jobName, Path plan, int tasks, Path workDir, String launcher) {
        if (tasks < 1) {
            throw new VptlabException("no runs left to submit");
        }
        Path dir = folder(plan);
        StringBuilder b = new StringBuilder("#!/bin/bash\n");
        line(b, "--job-name", jobName);
        line(b, "--array", "0-" + (tasks - 1) + (throttle > 0 ? "%" + throttle : ""));
        line(b, "--output", dir.resolve("logs").resolve("%A_%a.out").toString());
        b.append("#SBATCH --requeue\n");
        line(b, "--partition", resources.partition());
        line(b, "--account", resources.account());
        if (resources.gpus() > 0) {
            line(b, "--gpus", String.valueOf(resources.gpus()));
        }
        line(b, "--cpus-per-task", String.valueOf(resources.cpus()));
        line(b, "--mem", resources.mem());
        line(b, "--time", resources.time());
        b.append("set -euo pipefail\n");
        b.append("cd ").append(quote(workDir.toAbsolutePath().toString())).append('\n');
        b.append("# plan run resumes a run that has a record and skips a finished one, so a requeued task is safe.\n");
        b.append("exec ").append(launcher).append(" plan run ").append(quote(plan.toAbsolutePath().toString()))
                .append(" --ids ").append(quote(idsFile(plan).toString())).append(" --index \"$SLURM_ARRAY_TASK_ID\" --progress LINE\n");
        return b.toString();
    }

    private static void line(StringBuilder b, String option, String value) {
        if (value != null && !value.isEmpty()) {
            b.append("#SBATCH ").append(option).append('=').append(value).append('\n');
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * The state of each array index in {@code sacct --parsable2 --noheader --format=JobID,State} output for one
     * job ("123_4|COMPLETED"); a pending range ("123_[5-9%2]|PENDING") gives each index in it. Job steps
     * ("123_4.batch") are left out: the task's own line is its state.
     */
    public static Map<Integer, String> parseSacct(String out, String jobId) {
        Map<Integer, String> states = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\|");
            if (f.length < 2 || !f[0].startsWith(jobId + "_") || f[0].contains(".")) {
                continue;
            }
            String idx = f[0].substring(jobId.length() + 1);
            String state = f[1].split(" ")[0];
            if (idx.startsWith("[")) {
                for (String part : idx.substring(1, idx.indexOf(']')).split("%")[0].split(",")) {
                    String[] r = part.split("-");
                    int lo = Integer.parseInt(r[0]);
                    int hi = r.length > 1 ? Integer.parseInt(r[1]) : lo;
                    for (int i = lo; i <= hi; i++) {
                        states.put(i, state);
                    }
                }
            } else {
                states.put(Integer.parseInt(idx), state);
            }
        }
        return states;
    }
}
