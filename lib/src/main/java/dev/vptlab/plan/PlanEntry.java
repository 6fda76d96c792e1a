package dev.vptlab.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One run of a plan.
 *
 * @param id unique name of the run within the plan (also its folder's name)
 * @param select the runs that compete for one reported number share this (Gated PT's lr grid, selected by
 *     validation accuracy); null when the run stands alone
 * @param folder the run folder
 * @param args the complete {@code vptlab train} arguments, {@code --seed} and {@code --out} included
 * @param config the run config {@code train} makes of {@link #args}: {@link dev.vptlab.train.RunConfig#toMap}, or for a
 *     segmentation run {@link dev.vptlab.seg.SegConfig#toMap} (with {@code task_kind: segmentation})
 * @param estimatedGpuHours {@link GpuHours} of the config: an estimate
 */
public record PlanEntry(String id, String select, String folder, List<String> args, Map<String, Object> config,
        double estimatedGpuHours) {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./=:,+@%-]+");

    public PlanEntry {
        args = List.copyOf(args);
        config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
    }

    /** True when the run is a segmentation run ({@link dev.vptlab.seg.SegConfig#isSegmentation}). */
    public boolean segmentation() {
        return dev.vptlab.seg.SegConfig.isSegmentation(config);
    }

    public Path folderPath() {
        return Path.of(folder);
    }

    /** The shell command that makes this run, arguments quoted where a shell would split or expand them. */
    public String command() {
        return trainCommand(args);
    }

    /** {@code ./vptlab train} with {@code args}, each quoted where a shell would split or expand it. */
    public static String trainCommand(List<String> args) {
        List<String> words = new ArrayList<>(List.of("./vptlab", "train"));
        args.forEach(a -> words.add(PLAIN.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'"));
        return String.join(" ", words);
    }
}
