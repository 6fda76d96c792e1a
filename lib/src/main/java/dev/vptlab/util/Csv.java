package dev.vptlab.util;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;
import tech.tablesaw.io.csv.CsvWriteOptions;

/**
 * CSV in and out: the one path the library reads and writes CSV through, on Tablesaw (and so its parser,
 * univocity). Depends on nothing else of vptlab; errors are Tablesaw's unchecked exceptions, for the caller to
 * name its file.
 *
 * <h2>Reading</h2>
 * Always with a header row, and never with type inference: either every column is text ({@link #readText}:
 * only an empty cell is missing, read as "", so "NA" or "null" stay text) or the caller gives each column's type
 * ({@link #read}, numbers parsed in {@link Locale#ROOT}). Quoted fields may hold commas, doubled quotes and line
 * breaks (RFC 4180); blank lines are skipped. Unlike a bare RFC 4180 reader, Tablesaw trims the spaces around an
 * unquoted field and rejects a row with more or fewer cells than the header.
 *
 * <h2>Writing</h2>
 * {@link #write(Table)} is Tablesaw's CSV writer with its defaults (header, quoting only where needed, spaces
 * around a text cell trimmed, Tablesaw's unformatted values: {@link Double#toString} and "" for a missing value),
 * except that the line end is always "\n". {@link #line} writes one record of cells the caller has already
 * formatted ({@link #number} formats a double the way {@link #write(Table)} does): the callers' files have
 * formats of their own (a bench row's "%.1f", a logit's {@link Float#toString} with "NaN" kept) that a typed
 * Tablesaw column would change. Its quoting is RFC 4180's: a field with a comma, a quote or a line break is
 * quoted, its quotes doubled. Tablesaw's writer cannot do that for a hand-formatted field: univocity leaves a
 * quote inside a field bare ({@code a"b}) and quotes a field that starts with '#', so the files written before
 * this class (RFC 4180) would change.
 */
public final class Csv {
    private Csv() {}

    /** {@code text} (a header row, then records) as a table of text columns named {@code tableName}. */
    public static Table readText(String text, String tableName) {
        CsvReadOptions options = CsvReadOptions.builder(new StringReader(text))
                .tableName(tableName)
                .columnTypes(column -> ColumnType.STRING)
                .missingValueIndicator("")
                .maxCharsPerColumn(-1)
                .build();
        return Table.read().usingOptions(options);
    }

    /** The records of {@code text} (see {@link #readText}) as maps from column name to cell, in column order. */
    public static List<Map<String, String>> records(String text) {
        return records(readText(text, ""));
    }

    /** The rows of a table of text columns ({@link #readText}) as maps from column name to cell, in column order. */
    public static List<Map<String, String>> records(Table text) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int r = 0; r < text.rowCount(); r++) {
            Map<String, String> row = new LinkedHashMap<>();
            for (String c : text.columnNames()) {
                row.put(c, text.stringColumn(c).get(r));
            }
            out.add(row);
        }
        return out;
    }

    /** {@code file} (UTF-8, a header row) with the column types {@code types} gives by column name. */
    public static Table read(Path file, String tableName, Function<String, ColumnType> types) {
        CsvReadOptions options = CsvReadOptions.builder(file.toFile())
                .tableName(tableName)
                .columnTypes(types)
                .locale(Locale.ROOT)
                .build();
        return Table.read().usingOptions(options);
    }

    /** {@code t} as CSV text: a header row, then one line per row (see the class comment). */
    public static String write(Table t) {
        StringWriter w = new StringWriter();
        t.write().usingOptions(CsvWriteOptions.builder(w).lineEnd("\n").build());
        return w.toString();
    }

    /** One record, ended by "\n", of cells already formatted; quoted as RFC 4180 says. */
    public static String line(List<String> cells) {
        return record(cells) + "\n";
    }

    /** {@link #line(List)} without the line end: for a caller that ends lines itself ({@code println}). */
    public static String record(List<String> cells) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(field(cells.get(i)));
        }
        return b.toString();
    }

    /** {@link #line(List)} of {@code cells}. */
    public static String line(String... cells) {
        return line(List.of(cells));
    }

    /** A double as {@link #write(Table)} writes one: {@link Double#toString}, and "" for NaN (a missing value). */
    public static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
