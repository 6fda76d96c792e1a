package dev.vptlab.report;

import dev.vptlab.util.AtomicFiles;
import dev.vptlab.util.Csv;
import java.nio.file.Path;
import tech.tablesaw.api.Table;

/** Tablesaw tables to files and text. */
public final class Tables {
    private Tables() {}

    /** Writes {@code t} as CSV ({@link Csv#write(Table)}), atomically (a crash never leaves a half-written table). */
    public static void saveCsv(Table t, Path file) {
        AtomicFiles.writeString(file, Csv.write(t));
    }
}
