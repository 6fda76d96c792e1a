package dev.vptlab.report;

import dev.vptlab.model.Macs;
import dev.vptlab.model.VitConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/** The figures of an {@link Efficiency#table}: each column against the number of prompts, one line per method. */
public final class EfficiencyCharts {
    private EfficiencyCharts() {}

    /**
     * One line per method of {@code column} against the number of prompts (log x when the prompt counts span more
     * than a factor of ten); null when the column has no value.
     */
    public static XYChart chart(Table t, String column, String title, String yTitle) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (Row r : t) {
            double y = t.column(column) instanceof LongColumn ? r.getLong(column) : r.getNumber(column);
            if (!Double.isNaN(y)) {
                points.computeIfAbsent(r.getString("method"), k -> new ArrayList<>()).add(new double[] {r.getInt("prompts"), y});
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        List<Charts.Series> series = new ArrayList<>();
        double minX = Double.MAX_VALUE;
        double maxX = 0;
        for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
            List<double[]> ps = e.getValue();
            ps.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = ps.stream().mapToDouble(a -> a[0]).toArray();
            double[] y = ps.stream().mapToDouble(a -> a[1]).toArray();
            minX = Math.min(minX, x[0]);
            maxX = Math.max(maxX, x[x.length - 1]);
            series.add(new Charts.Series(e.getKey(), x, y));
        }
        return Charts.lines(title, "number of prompts P", yTitle, series, maxX / minX > 10);
    }

    /**
     * The notebook's figures, by key: trainable (trainable parameters), gflops (forward GFLOPs per image, with the
     * backbone alone as a line), train and eval (images/s), memory (GPU memory when measured, else peak RSS). Keys
     * whose column holds no value are left out.
     */
    public static Map<String, XYChart> charts(Table t) {
        String where = t.rowCount() == 0 ? "" : t.stringColumn("arch").get(0) + " " + t.intColumn("image").get(0) + " px";
        Map<String, XYChart> out = new LinkedHashMap<>();
        put(out, "trainable", chart(t, "trainable_params", "Trainable parameters (ours, counted), " + where, "trainable parameters"));
        XYChart flops = chart(t, "gflops", "GFLOPs per image (ours, computed), " + where, "GFLOPs (2 per multiply-add)");
        if (flops != null && t.rowCount() > 0) {
            VitConfig c = VitConfig.presets().get(t.stringColumn("arch").get(0));
            if (c != null) {
                double base = 2.0 * Macs.backbone(c.withImageSize(t.intColumn("image").get(0))) / 1e9;
                double[] x = t.intColumn("prompts").unique().sorted((a, b) -> a - b).asList().stream().mapToDouble(i -> i).toArray();
                double[] y = new double[x.length];
                Arrays.fill(y, base);
                flops.addSeries("backbone alone", x, y);
            }
        }
        put(out, "gflops", flops);
        String batch = t.rowCount() == 0 ? "" : ", batch " + t.intColumn("batch").get(0);
        put(out, "train", chart(t, "train_img_s", "Training images/s (ours, measured), " + where + batch, "images / s"));
        put(out, "eval", chart(t, "eval_img_s", "Inference images/s (ours, measured), " + where + batch, "images / s"));
        boolean gpu = t.doubleColumn("gpu_mem_mib").countMissing() < t.rowCount();
        put(out, "memory", gpu
                ? chart(t, "gpu_mem_mib", "GPU memory in use (ours), " + where + batch, "MiB")
                : chart(t, "peak_rss_mib", "Peak RSS of a fresh JVM (ours), " + where + batch, "MiB"));
        return out;
    }

    private static void put(Map<String, XYChart> out, String key, XYChart c) {
        if (c != null) {
            out.put(key, c);
        }
    }
}
