package dev.vptlab.notebook;

import dev.vptlab.report.Charts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The tables and charts the notebooks draw from a study's run table (one row per run, as
 * {@link dev.vptlab.reproduce.Reproduce#run} returns it), kept here so notebook cells stay one line each.
 */
public final class Summaries {
    private Summaries() {}

    /** Rows of one study. */
    public static Table study(Table runs, String study) {
        return runs.where(runs.stringColumn("study").isEqualTo(study));
    }

    /** Rows where {@code column} equals {@code value}. */
    public static Table where(Table runs, String column, String value) {
        return runs.where(runs.stringColumn(column).isEqualTo(value));
    }

    /**
     * A wide table: one row per distinct value of {@code rows}, one column per distinct value of {@code cols}
     * (in order of appearance), cells the mean of {@code value} (test top-1 when several runs share a cell).
     */
    public static Table pivot(Table runs, String rows, String cols, String value, String title) {
        List<String> rowKeys = new ArrayList<>(new LinkedHashSet<>(runs.column(rows).asList().stream().map(String::valueOf).toList()));
        List<String> colKeys = new ArrayList<>(new LinkedHashSet<>(runs.column(cols).asList().stream().map(String::valueOf).toList()));
        Table t = Table.create(title);
        StringColumn first = StringColumn.create(rows, rowKeys);
        t.addColumns(first);
        for (String c : colKeys) {
            DoubleColumn d = DoubleColumn.create(c);
            for (String r : rowKeys) {
                double sum = 0;
                int n = 0;
                for (int i = 0; i < runs.rowCount(); i++) {
                    if (String.valueOf(runs.column(rows).get(i)).equals(r) && String.valueOf(runs.column(cols).get(i)).equals(c)) {
                        sum += runs.doubleColumn(value).getDouble(i);
                        n++;
                    }
                }
                if (n == 0) {
                    d.appendMissing();
                } else {
                    d.append(round2(sum / n));
                }
            }
            t.addColumns(d);
        }
        return t;
    }

    /**
     * Block-location summary per backbone and task: accuracy with prompts from block 1 (VPT-shallow), the
     * best first insertion block and its accuracy, and the gain (points) of the best block over block 1 —
     * the quantities Yoo et al. state for Fig. 1.
     */
    public static Table blockLocation(Table sweep) {
        StringColumn bb = StringColumn.create("backbone");
        StringColumn task = StringColumn.create("task");
        DoubleColumn k1 = DoubleColumn.create("top1_k1");
        IntColumn bestK = IntColumn.create("best_k");
        DoubleColumn best = DoubleColumn.create("top1_best_k");
        DoubleColumn gain = DoubleColumn.create("gain_points");
        for (String b : new LinkedHashSet<>(sweep.stringColumn("backbone").asList())) {
            for (String t : new LinkedHashSet<>(sweep.stringColumn("task").asList())) {
                Table s = sweep.where(sweep.stringColumn("backbone").isEqualTo(b).and(sweep.stringColumn("task").isEqualTo(t)));
                if (s.isEmpty()) {
                    continue;
                }
                int bk = -1;
                double bv = Double.NEGATIVE_INFINITY;
                double v1 = Double.NaN;
                for (int i = 0; i < s.rowCount(); i++) {
                    int k = s.intColumn("insert_block").getInt(i);
                    double v = s.doubleColumn("test_top1").getDouble(i);
                    if (k == 1) {
                        v1 = v;
                    }
                    if (v > bv) {
                        bv = v;
                        bk = k;
                    }
                }
                bb.append(b);
                task.append(t);
                k1.append(round2(v1));
                bestK.append(bk);
                best.append(round2(bv));
                gain.append(round2(bv - v1));
            }
        }
        return Table.create("block location: best first insertion block (ours)", bb, task, k1, bestK, best, gain);
    }

    /** Accuracy against the first insertion block, one line per backbone, for one task. */
    public static org.knowm.xchart.XYChart blockLocationChart(Table sweep, String task, String title) {
        Table forTask = where(sweep, "task", task);
        List<Charts.Series> series = new ArrayList<>();
        for (String b : new LinkedHashSet<>(forTask.stringColumn("backbone").asList())) {
            Table s = where(forTask, "backbone", b).sortAscendingOn("insert_block");
            series.add(new Charts.Series(b, s.intColumn("insert_block").asDoubleArray(), s.doubleColumn("test_top1").asDoubleArray()));
        }
        return Charts.blockLocation(title, series);
    }

    /**
     * VTAB-style group means: per backbone and method, the mean test top-1 of the natural, specialized and
     * structured tasks, and the mean of the three group means (VTAB's headline number).
     */
    public static Table groupMeans(Table methods) {
        StringColumn bb = StringColumn.create("backbone");
        StringColumn method = StringColumn.create("method");
        Map<String, DoubleColumn> groups = new LinkedHashMap<>();
        for (String g : List.of("natural", "specialized", "structured")) {
            groups.put(g, DoubleColumn.create(g));
        }
        DoubleColumn mean = DoubleColumn.create("mean_of_groups");
        for (String b : new LinkedHashSet<>(methods.stringColumn("backbone").asList())) {
            for (String m : new LinkedHashSet<>(methods.stringColumn("method").asList())) {
                Table s = methods.where(methods.stringColumn("backbone").isEqualTo(b).and(methods.stringColumn("method").isEqualTo(m)));
                if (s.isEmpty()) {
                    continue;
                }
                bb.append(b);
                method.append(m);
                double sum = 0;
                int n = 0;
                for (Map.Entry<String, DoubleColumn> g : groups.entrySet()) {
                    Table sg = s.where(s.stringColumn("group").isEqualTo(g.getKey()));
                    if (sg.isEmpty()) {
                        g.getValue().appendMissing();
                    } else {
                        double v = sg.doubleColumn("test_top1").mean();
                        g.getValue().append(round2(v));
                        sum += v;
                        n++;
                    }
                }
                mean.append(n == 0 ? Double.NaN : round2(sum / n));
            }
        }
        Table t = Table.create("mini benchmark: group means (ours)", bb, method);
        groups.values().forEach(t::addColumns);
        t.addColumns(mean);
        return t;
    }

    /** Per-task bars for one backbone: one group per task, one bar per method. */
    public static org.knowm.xchart.CategoryChart methodBars(Table methods, String backbone, String title) {
        Table forBb = where(methods, "backbone", backbone);
        List<String> tasks = new ArrayList<>(new LinkedHashSet<>(forBb.stringColumn("task").asList()));
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String m : new LinkedHashSet<>(forBb.stringColumn("method").asList())) {
            List<Double> v = new ArrayList<>();
            for (String task : tasks) {
                Table row = forBb.where(forBb.stringColumn("method").isEqualTo(m).and(forBb.stringColumn("task").isEqualTo(task)));
                v.add(row.isEmpty() ? 0.0 : row.doubleColumn("test_top1").getDouble(0));
            }
            series.put(m, v);
        }
        return Charts.bars(title, "test top-1 (%)", tasks, series);
    }

    /**
     * Whether one method is at least as good as another, task by task: the number of tasks where
     * {@code a} ≥ {@code b} and the mean difference (points), per backbone, as a sentence.
     */
    public static String compare(Table methods, String a, String b) {
        StringBuilder out = new StringBuilder();
        for (String bb : new LinkedHashSet<>(methods.stringColumn("backbone").asList())) {
            Table s = where(methods, "backbone", bb);
            int wins = 0;
            int n = 0;
            double diff = 0;
            for (String task : new LinkedHashSet<>(s.stringColumn("task").asList())) {
                Table ta = s.where(s.stringColumn("task").isEqualTo(task).and(s.stringColumn("method").isEqualTo(a)));
                Table tb = s.where(s.stringColumn("task").isEqualTo(task).and(s.stringColumn("method").isEqualTo(b)));
                if (ta.isEmpty() || tb.isEmpty()) {
                    continue;
                }
                double d = ta.doubleColumn("test_top1").getDouble(0) - tb.doubleColumn("test_top1").getDouble(0);
                diff += d;
                n++;
                if (d >= 0) {
                    wins++;
                }
            }
            if (n > 0) {
                out.append(String.format("- %s backbone: %s >= %s on %d of %d tasks, mean difference %+.2f points%n", bb, a, b, wins, n,
                        diff / n));
            }
        }
        return out.toString();
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
