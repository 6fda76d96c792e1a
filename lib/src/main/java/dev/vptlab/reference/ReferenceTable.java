package dev.vptlab.reference;

import dev.vptlab.VptlabException;
import dev.vptlab.util.Csv;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import tech.tablesaw.api.Table;

/**
 * One of the papers' reference tables (published numbers, per-task hyper-parameters), shipped as a
 * CSV resource under {@code dev/vptlab/reference/}. Every row keeps its {@code source} (e.g. "GatedPT Table 1")
 * and {@code confidence} ({@code paper}, {@code secondary}, {@code reconstructed} or {@code code}) columns, so
 * a value shown later can always say where it came from.
 */
public final class ReferenceTable {
    private final String name;
    private final List<String> columns;
    private final List<Map<String, String>> rows;

    private ReferenceTable(String name, List<String> columns, List<Map<String, String>> rows) {
        this.name = name;
        this.columns = columns;
        this.rows = rows;
    }

    /** Loads {@code name}.csv from the library's resources (e.g. "gated_hparams"); every cell as text. */
    public static ReferenceTable load(String name) {
        try (InputStream in = ReferenceTable.class.getResourceAsStream(name + ".csv")) {
            if (in == null) {
                throw new VptlabException("no reference table '" + name + "'");
            }
            Table t = Csv.readText(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
            return new ReferenceTable(name, List.copyOf(t.columnNames()), List.copyOf(Csv.records(t)));
        } catch (IOException e) {
            throw new VptlabException("cannot read reference table '" + name + "': " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public List<String> columns() {
        return columns;
    }

    public List<Map<String, String>> rows() {
        return rows;
    }

    public List<Map<String, String>> where(Predicate<Map<String, String>> p) {
        return rows.stream().filter(p).toList();
    }
}
