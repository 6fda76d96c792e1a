package dev.vptlab.report;

import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The one table schema of every study, one row per run: the embedded studies ({@code Reproduce}, written as
 * {@code tables/all_runs.csv}) and the paper-scale runs ({@code PaperRuns}) alike, so the same summaries and
 * charts serve both.
 */
public final class StudyTable {
    /** Column names, in order. */
    public static final List<String> COLUMNS = List.of("study", "backbone", "task", "group", "method", "insert_block", "variant",
            "variant_value", "test_top1", "wall_s");

    /**
     * One run.
     *
     * @param insertBlock 1-based block where prompts first enter (1 unless the study moves it)
     * @param variant what distinguishes the run in its study beyond method and block ("gates off", "position 2");
     *     "" for none
     * @param variantValue the number the variant sets (position 2 → 2, prompts 20 → 20), so that studies over a
     *     number plot without parsing labels; NaN for none
     */
    public record Row(String study, String backbone, String task, String group, String method, int insertBlock, String variant,
            double variantValue, double testTop1, double wallSeconds) {}

    private StudyTable() {}

    public static Table of(String name, List<Row> rows) {
        StringColumn study = StringColumn.create(COLUMNS.get(0));
        StringColumn backbone = StringColumn.create(COLUMNS.get(1));
        StringColumn task = StringColumn.create(COLUMNS.get(2));
        StringColumn group = StringColumn.create(COLUMNS.get(3));
        StringColumn method = StringColumn.create(COLUMNS.get(4));
        IntColumn block = IntColumn.create(COLUMNS.get(5));
        StringColumn variant = StringColumn.create(COLUMNS.get(6));
        DoubleColumn value = DoubleColumn.create(COLUMNS.get(7));
        DoubleColumn top1 = DoubleColumn.create(COLUMNS.get(8));
        DoubleColumn secs = DoubleColumn.create(COLUMNS.get(9));
        for (Row r : rows) {
            study.append(r.study());
            backbone.append(r.backbone());
            task.append(r.task());
            group.append(r.group());
            method.append(r.method());
            block.append(r.insertBlock());
            variant.append(r.variant());
            value.append(r.variantValue());
            top1.append(r.testTop1());
            secs.append(r.wallSeconds());
        }
        return Table.create(name, study, backbone, task, group, method, block, variant, value, top1, secs);
    }
}
