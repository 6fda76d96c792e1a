package dev.vptlab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;

class PaperTablesTest {
    @Test
    void everyRowIsMarkedAsThePapersAndNumbersAreNumeric() {
        Table t = PaperTables.load("gated_fgvc");
        assertTrue(t.name().startsWith("paper: "));
        assertTrue(t.stringColumn("numbers").asList().stream().allMatch(PaperTables.PAPER::equals));
        assertEquals(ColumnType.DOUBLE, t.column("cub").type());
        assertEquals(ColumnType.STRING, t.column("method").type());
        Table mae = PaperTables.where("gated_fgvc", "ssl", "MAE");
        Table gated = mae.where(mae.stringColumn("method").isEqualTo("Gated (ours)"));
        assertEquals(70.56, gated.doubleColumn("cub").get(0), 1e-9, "GatedPT Table 1, MAE, CUB");
        assertTrue(t.stringColumn("source").get(0).contains("GatedPT Table 1"));
    }
}
