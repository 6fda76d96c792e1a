package dev.vptlab.plan;

import dev.vptlab.seg.SegConfig;
import dev.vptlab.train.RunRecord;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** A plan as tables: its runs' states from their folders, and its results across seeds. */
public final class PlanTables {
    private PlanTables() {}

    /**
     * Each run of a plan with its state from its folder (as {@code vptlab plan status} shows it): the epochs done and
     * the last test top-1 of a classification run, the evaluation periods done and the last test mIoU of a segmentation
     * run ({@link #progressName}, {@link #metricName}).
     */
    public static Table states(Plan plan) {
        StringColumn run = StringColumn.create("run");
        StringColumn state = StringColumn.create("state");
        StringColumn progress = StringColumn.create(progressName(plan));
        DoubleColumn metric = DoubleColumn.create(metricName(plan));
        StringColumn note = StringColumn.create("note");
        for (PlanEntry e : plan.entries()) {
            EntryState st = EntryState.of(e.folderPath());
            run.append(e.id());
            state.append(st.state());
            progress.append(progress(e, st.record()));
            metric.append(metric(e, st.record()));
            note.append(st.note());
        }
        return Table.create("plan " + plan.name() + ": " + plan.entries().size() + " runs", run, state, progress, metric, note);
    }

    /** The progress column's name: {@code epochs}, {@code periods} (segmentation), or {@code epochs/periods} when mixed. */
    public static String progressName(Plan plan) {
        return name(plan, "epochs", "periods");
    }

    /** The metric column's name: {@code test_top1}, {@code test_miou} (segmentation), or {@code test_top1/miou} when mixed. */
    public static String metricName(Plan plan) {
        return name(plan, "test_top1", "test_miou");
    }

    private static String name(Plan plan, String classification, String segmentation) {
        boolean seg = plan.entries().stream().anyMatch(PlanEntry::segmentation);
        boolean cls = plan.entries().stream().anyMatch(e -> !e.segmentation());
        return seg && cls ? classification + "/" + segmentation.replace("test_", "") : seg ? segmentation : classification;
    }

    /** "done/total": epochs of a classification run, evaluation periods of a segmentation run; empty without a record. */
    public static String progress(PlanEntry e, RunRecord r) {
        if (r == null) {
            return "";
        }
        Object total = e.segmentation() ? SegConfig.fromMap(e.config()).periods() : e.config().get("epochs");
        return r.epochs().size() + "/" + total;
    }

    /** The last test top-1 of a classification run, the last test mIoU of a segmentation run; NaN without a record. */
    public static double metric(PlanEntry e, RunRecord r) {
        if (r == null) {
            return Double.NaN;
        }
        return e.segmentation() ? r.lastTestMiou() : r.lastTestTop1();
    }

    /** A plan's results across seeds: mean, std and the number of seeds complete. */
    public static Table results(Plan plan) {
        StringColumn result = StringColumn.create("result");
        DoubleColumn mean = DoubleColumn.create("mean");
        DoubleColumn std = DoubleColumn.create("std");
        StringColumn seeds = StringColumn.create("seeds");
        for (SeedSummary s : SeedSummary.of(plan, e -> EntryState.of(e.folderPath()))) {
            result.append(s.result());
            mean.append(s.mean());
            std.append(s.std());
            seeds.append(s.perSeed().values().stream().filter(Double::isFinite).count() + "/" + s.perSeed().size());
        }
        return Table.create("plan " + plan.name() + ": results across seeds", result, mean, std, seeds);
    }

}
