package dev.vptlab.report;

import dev.vptlab.util.AtomicFiles;
import java.io.StringWriter;
import java.nio.file.Path;
import tech.tablesaw.api.Table;

/** Tablesaw tables to files and text. */
public final class Tables {
    private Tables() {}

    /** Writes {@code t} as CSV, atomically (a crash never leaves a half-written table). */
    public static void saveCsv(Table t, Path file) {
        StringWriter w = new StringWriter();
        t.write().csv(w);
        AtomicFiles.writeString(file, w.toString());
    }
}
