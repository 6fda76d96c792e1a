package dev.vptlab.report;

import dev.vptlab.VptlabException;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.model.VitConfig;
import dev.vptlab.util.Csv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * The CSV file that {@code vptlab bench --csv} appends its rows to ({@link BenchRow}): measuring
 * {@link Efficiency#table}'s rows one process at a time elsewhere (e.g. on a GPU machine), then reading them back
 * into the table.
 */
public final class BenchCsv {
    private BenchCsv() {}

    /** Appends {@code row} to {@code csv}, written whole and atomically; a new file starts with the header. */
    public static void append(Path csv, BenchRow row) throws IOException {
        String existing = Files.exists(csv) ? Files.readString(csv) : Csv.line(BenchRow.COLUMNS);
        AtomicFiles.writeString(csv, existing + Csv.line(row.cells()));
    }

    /**
     * The {@code vptlab bench} commands that measure {@link Efficiency#table}'s rows one per process (e.g. on a GPU
     * machine, with {@code VPTLAB_CUDA=1}), appending to {@code csv}; {@link #fill} reads that file back.
     */
    public static List<String> commands(VitConfig c, List<String> methods, List<Integer> prompts, Efficiency.Settings s, Path csv) {
        List<String> out = new ArrayList<>();
        for (String name : methods) {
            for (int p : prompts) {
                out.add((s.threads() > 0 ? "VPTLAB_JAVA_OPTS='-Dai.djl.pytorch.num_threads=" + s.threads()
                        + " -Dai.djl.pytorch.num_interop_threads=" + s.threads() + "' " : "") + "./vptlab bench --arch " + c.name() + " --image " + c.imageSize() + " --method " + name + " --prompts " + p
                        + " --batch " + s.batch() + " --classes " + s.classes() + " --warmup " + s.warmup() + " --steps " + s.steps()
                        + " --csv " + csv);
            }
        }
        return out;
    }

    /**
     * {@code t} with its speed and memory columns filled from {@code csv} (the last row for the same arch, image,
     * method, prompts and batch wins); rows with no match keep theirs. Returns how many rows were filled; 0 when
     * there is no such file.
     */
    public static int fill(Table t, Path csv) {
        if (!Files.exists(csv)) {
            return 0;
        }
        String text;
        try {
            text = Files.readString(csv);
        } catch (IOException e) {
            throw new VptlabException(csv + ": cannot read: " + e.getMessage(), e);
        }
        if (!text.lines().findFirst().map(l -> l.trim().equals(BenchRow.HEADER)).orElse(false)) {
            throw new VptlabException(csv + ": not a `vptlab bench --csv` file (its first line is not " + BenchRow.HEADER + ")");
        }
        List<Map<String, String>> rows;
        try {
            rows = Csv.records(text);
        } catch (RuntimeException e) {
            throw new VptlabException(csv + ": not a `vptlab bench --csv` file: " + e.getMessage(), e);
        }
        Map<String, Map<String, String>> byKey = new HashMap<>();
        for (Map<String, String> r : rows) {
            byKey.put(String.join("|", r.get("arch"), r.get("image"), r.get("method"), r.get("prompts"), r.get("batch")), r);
        }
        int filled = 0;
        for (Row row : t) {
            Map<String, String> r = byKey.get(String.join("|", row.getString("arch"), String.valueOf(row.getInt("image")),
                    row.getString("method"), String.valueOf(row.getInt("prompts")), String.valueOf(row.getInt("batch"))));
            if (r != null) {
                row.setString("device", r.get("device"));
                row.setDouble("train_img_s", BenchRow.number(r.get("train_img_s")));
                row.setDouble("eval_img_s", BenchRow.number(r.get("eval_img_s")));
                row.setDouble("peak_rss_mib", BenchRow.number(r.get("peak_rss_mib")));
                row.setDouble("gpu_mem_mib", BenchRow.number(r.get("device_mem_mib")));
                row.setString("memory", "from " + csv.getFileName() + ": peak RSS of the bench JVM"
                        + (r.get("device_mem_mib").isBlank() ? "" : "; GPU memory in use after the timed steps"));
                filled++;
            }
        }
        return filled;
    }
}
