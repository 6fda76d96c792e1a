package dev.vptlab.plan;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** A plan as tables: its runs' states from their folders, and its results across seeds. */
public final class PlanTables {
    private PlanTables() {}

    /** Each run of a plan with its state from its folder (as {@code vptlab plan status} shows it). */
    public static Table states(Plan plan) {
        StringColumn run = StringColumn.create("run");
        StringColumn state = StringColumn.create("state");
        StringColumn epochs = StringColumn.create("epochs");
        DoubleColumn top1 = DoubleColumn.create("test_top1");
        StringColumn note = StringColumn.create("note");
        for (PlanEntry e : plan.entries()) {
            EntryState st = EntryState.of(e.folderPath());
            run.append(e.id());
            state.append(st.state());
            epochs.append(st.record() == null ? "" : st.record().epochs().size() + "/" + e.config().get("epochs"));
            top1.append(st.record() == null ? Double.NaN : st.record().lastTestTop1());
            note.append(st.note());
        }
        return Table.create("plan " + plan.name() + ": " + plan.entries().size() + " runs", run, state, epochs, top1, note);
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
