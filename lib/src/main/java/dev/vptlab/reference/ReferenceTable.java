package dev.vptlab.reference;

import dev.vptlab.VptlabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

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

    /** Loads {@code name}.csv from the library's resources (e.g. "gated_hparams"). */
    public static ReferenceTable load(String name) {
        try (InputStream in = ReferenceTable.class.getResourceAsStream(name + ".csv")) {
            if (in == null) {
                throw new VptlabException("no reference table '" + name + "'");
            }
            List<List<String>> lines = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            List<String> header = lines.get(0);
            List<Map<String, String>> rows = new ArrayList<>();
            for (List<String> l : lines.subList(1, lines.size())) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), i < l.size() ? l.get(i) : "");
                }
                rows.add(row);
            }
            return new ReferenceTable(name, List.copyOf(header), List.copyOf(rows));
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

    /** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
    static List<List<String>> parse(String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                if (!(row.size() == 1 && row.get(0).isEmpty())) {
                    out.add(row);
                }
                row = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        if (field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            out.add(row);
        }
        return out;
    }
}
