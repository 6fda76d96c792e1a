package dev.vptlab.report;

import dev.vptlab.VptlabException;
import dev.vptlab.util.Csv;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One measured configuration as {@code vptlab bench} prints it, and the one definition of that format: the
 * protocol between a fresh benchmark JVM ({@link FreshJvmBench} prints it) and its parent
 * ({@link FreshJvmLauncher} reads it back with {@link #fromStdout}), {@code vptlab bench}'s output, and the rows
 * of its {@code --csv} file ({@link BenchCsv}).
 *
 * <p>Text: the {@link #HEADER} line, then one record per configuration (CSV, {@link Csv}): images/s with one
 * decimal, MiB with none, {@code device_mem_mib} empty when not measured (on a CPU). Read back, every cell is
 * text, by column name; {@link #number} turns a numeric cell into a double.
 *
 * @param arch the preset's name, as given to {@code --arch}
 * @param device the engine's device, e.g. {@code cpu} or {@code gpu0}
 * @param peakRssMiB {@link Bench#peakRssMiB()} of the measuring process when the measurement ends
 * @param deviceMemoryMiB {@link Bench.Result#deviceMemoryMiB()}; NaN on a CPU
 */
public record BenchRow(String arch, String method, int prompts, int insertBlock, int batch, int image, String device,
        double trainImagesPerSecond, double evalImagesPerSecond, double peakRssMiB, double deviceMemoryMiB) {
    /** The column names, in order. */
    public static final List<String> COLUMNS = List.of("arch", "method", "prompts", "insert_block", "batch", "image", "device",
            "train_img_s", "eval_img_s", "peak_rss_mib", "device_mem_mib");
    /** The header line (without its line end). */
    public static final String HEADER = Csv.record(COLUMNS);

    /** The cells of this row, formatted (see the class comment). */
    public List<String> cells() {
        return List.of(arch, method, String.valueOf(prompts), String.valueOf(insertBlock), String.valueOf(batch),
                String.valueOf(image), device, String.format(Locale.ROOT, "%.1f", trainImagesPerSecond),
                String.format(Locale.ROOT, "%.1f", evalImagesPerSecond), String.format(Locale.ROOT, "%.0f", peakRssMiB),
                Double.isNaN(deviceMemoryMiB) ? "" : String.format(Locale.ROOT, "%.0f", deviceMemoryMiB));
    }

    /** This row as one CSV record, without its line end. */
    public String record() {
        return Csv.record(cells());
    }

    /**
     * The row printed under the first {@link #HEADER} line of {@code stdout} (other lines may come before it), by
     * column name.
     *
     * @throws VptlabException when no header line is followed by a row of as many cells
     */
    static Map<String, String> fromStdout(String stdout) {
        String[] lines = stdout.split("\\R");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].trim().equals(HEADER)) {
                List<Map<String, String>> rows;
                try {
                    rows = Csv.records(HEADER + "\n" + lines[i + 1].trim());
                } catch (RuntimeException e) {
                    break;
                }
                if (rows.size() != 1) {
                    break;
                }
                return rows.get(0);
            }
        }
        throw new VptlabException("efficiency: no bench row in the fresh JVM's output: " + tail(stdout, 10));
    }

    /** A numeric cell as a double: NaN when empty. */
    static double number(String cell) {
        return cell == null || cell.isBlank() ? Double.NaN : Double.parseDouble(cell);
    }

    /** The last {@code lines} lines of {@code s}. */
    static String tail(String s, int lines) {
        List<String> l = s.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }
}
