package dev.vptlab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class CsvTest {
    /** Every reference table the library ships (src/main/resources/dev/vptlab/reference/). */
    static final List<String> REFERENCE_TABLES = List.of("cvpt_ablation", "cvpt_hparams", "cvpt_summary", "fgvc_datasets",
            "gated_ablation_gates", "gated_ade20k", "gated_backbones", "gated_fewer_tokens", "gated_fgvc", "gated_hparams",
            "gated_vtab_groups", "lit_ade20k_baselines", "lit_fgvc_baselines", "lit_vtab_baselines", "vtab_tasks");

    @Test
    void textIsReadAsTextWithQuotesLineBreaksAndNoInference() {
        String text = "name,value,note\r\n"
                + "a,1,\"x, y\"\r\n"
                + "\n"
                + "NA,,\"say \"\"hi\"\"\nsecond line\"\n"
                + "null,2.50,\n";
        Table t = Csv.readText(text, "t");
        assertEquals("t", t.name());
        assertEquals(List.of("name", "value", "note"), t.columnNames());
        assertTrue(t.columns().stream().allMatch(c -> c.type() == ColumnType.STRING), "no inference: " + t.structure());
        List<Map<String, String>> rows = Csv.records(t);
        assertEquals(3, rows.size(), "the blank line is skipped");
        assertEquals(Map.of("name", "a", "value", "1", "note", "x, y"), rows.get(0));
        assertEquals(Map.of("name", "NA", "value", "", "note", "say \"hi\"\nsecond line"), rows.get(1), "NA stays text");
        assertEquals(Map.of("name", "null", "value", "2.50", "note", ""), rows.get(2), "2.50 is not rewritten as 2.5");
        assertEquals(List.of("name", "value", "note"), List.copyOf(rows.get(0).keySet()), "column order kept");
    }

    @Test
    void everyShippedReferenceTableReadsAsTheFormerRfc4180ParserReadIt() throws IOException {
        for (String name : REFERENCE_TABLES) {
            String text;
            try (InputStream in = dev.vptlab.reference.ReferenceTable.class.getResourceAsStream(name + ".csv")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            List<List<String>> lines = formerParse(text);
            List<Map<String, String>> expected = new ArrayList<>();
            for (List<String> l : lines.subList(1, lines.size())) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < lines.get(0).size(); i++) {
                    row.put(lines.get(0).get(i), i < l.size() ? l.get(i) : "");
                }
                expected.add(row);
            }
            Table t = Csv.readText(text, name);
            assertEquals(lines.get(0), t.columnNames(), name);
            assertEquals(expected, Csv.records(t), name);
        }
    }

    @Test
    void raggedRowsAndLongFields() {
        assertThrows(RuntimeException.class, () -> Csv.readText("a,b\n1\n", ""), "a row with fewer cells than the header");
        assertThrows(RuntimeException.class, () -> Csv.readText("a,b\n1,2,3\n", ""), "a row with more cells than the header");
        String big = "x".repeat(100_000);
        assertEquals(big, Csv.records("a\n" + big + "\n").get(0).get("a"), "no limit on a field's length");
        assertEquals(0, Csv.readText("", "").columnCount());
        assertEquals(0, Csv.readText("a,b\n", "").rowCount());
    }

    @Test
    void typedReadParsesTheGivenTypes(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("m.csv");
        Files.writeString(f, "epoch,top1\n0,50.0\n1,\n2,1.0E-4\n");
        Table t = Csv.read(f, "m", c -> c.equals("epoch") ? ColumnType.INTEGER : ColumnType.DOUBLE);
        assertEquals("m", t.name());
        assertEquals(2, t.intColumn("epoch").get(2));
        assertTrue(t.doubleColumn("top1").isMissing(1));
        assertEquals(1e-4, t.doubleColumn("top1").get(2));
    }

    @Test
    void tablesAreWrittenAsTablesawWritesThem() {
        Table t = Table.create("t", StringColumn.create("s", "plain", "a,b", "  padded "),
                IntColumn.create("i", 1, 2, 3), LongColumn.create("l", 17_000_000_000L, 0, 5),
                DoubleColumn.create("d", 19.53125, 1.708130678, Double.NaN));
        assertEquals("s,i,l,d\nplain,1,17000000000,19.53125\n\"a,b\",2,0,1.708130678\npadded,3,5,\n", Csv.write(t));
        assertEquals("s,i,l,d\n", Csv.write(t.emptyCopy()));
    }

    @Test
    void linesQuoteAsRfc4180Says() {
        assertEquals("a,1,,2.5\n", Csv.line("a", "1", "", "2.5"));
        assertEquals("\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",#not quoted, spaces kept \n",
                Csv.line(List.of("x,y", "say \"hi\"", "two\nlines", "#not quoted", " spaces kept ")));
        assertEquals("\n", Csv.line(List.of()));
        assertEquals("a,\"b,c\"", Csv.record(List.of("a", "b,c")));
        assertEquals("", Csv.number(Double.NaN));
        assertEquals("1.0E-4", Csv.number(1e-4));
        assertEquals("19.53125", Csv.number(19.53125));
        // what a line writes, readText reads back
        String cells = Csv.line("h1", "h2") + Csv.line("x,y", "say \"hi\"");
        assertEquals(List.of(Map.of("h1", "x,y", "h2", "say \"hi\"")), Csv.records(cells));
    }

    /** The RFC 4180 parser ReferenceTable had before it read through {@link Csv}: the oracle of the shipped tables. */
    private static List<List<String>> formerParse(String text) {
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
