package dev.vptlab.report;

import dev.vptlab.reference.ReferenceTable;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * The papers' published numbers (the CSV resources under {@code dev/vptlab/reference/}) as
 * Tablesaw tables. Every table is named "paper: …" and every row keeps its {@code source} and
 * {@code confidence}, so a paper number shown next to ours can never pass for one we measured.
 */
public final class PaperTables {
    /** Value of the {@code numbers} column of a paper row. */
    public static final String PAPER = "paper";

    private PaperTables() {}

    /**
     * A reference CSV (e.g. "gated_fgvc") as a table named "paper: gated_fgvc", with a first column
     * {@code numbers} = "paper"; columns whose every non-empty cell is a number become double columns
     * (empty cells missing), the rest stay text.
     */
    public static Table load(String name) {
        ReferenceTable ref = ReferenceTable.load(name);
        return fromRows("paper: " + name, ref.columns(), ref.rows());
    }

    /** The rows of {@code name} for which {@code column} equals {@code value}. */
    public static Table where(String name, String column, String value) {
        Table t = load(name);
        return t.where(t.stringColumn(column).isEqualTo(value));
    }

    static Table fromRows(String title, List<String> columns, List<Map<String, String>> rows) {
        Table t = Table.create(title);
        StringColumn numbers = StringColumn.create("numbers");
        rows.forEach(r -> numbers.append(PAPER));
        t.addColumns(numbers);
        for (String c : columns) {
            t.addColumns(column(c, rows));
        }
        return t;
    }

    private static Column<?> column(String name, List<Map<String, String>> rows) {
        boolean numeric = rows.stream().map(r -> r.get(name)).anyMatch(v -> !v.isBlank())
                && rows.stream().map(r -> r.get(name)).allMatch(v -> v.isBlank() || isNumber(v));
        if (numeric) {
            DoubleColumn d = DoubleColumn.create(name);
            rows.forEach(r -> {
                String v = r.get(name);
                if (v.isBlank()) {
                    d.appendMissing();
                } else {
                    d.append(Double.parseDouble(v));
                }
            });
            return d;
        }
        StringColumn s = StringColumn.create(name);
        rows.forEach(r -> s.append(r.get(name)));
        return s;
    }

    private static boolean isNumber(String v) {
        try {
            Double.parseDouble(v);
            return !v.isBlank() && !v.equalsIgnoreCase("nan") && !v.toLowerCase().contains("inf");
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
