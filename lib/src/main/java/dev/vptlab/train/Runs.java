package dev.vptlab.train;

import dev.vptlab.VptlabException;
import dev.vptlab.util.Csv;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Tables over run folders for notebooks and the CLI. {@link #load} puts one row per run with the headline
 * figures of both protocols side by side (last-epoch and at-best-val test top-1 for Gated PT, whose paper
 * does not say which it reports; best periodic test top-1 for CVPT, as its {@code train.py} selects), so a
 * report can name which it quotes.
 */
public final class Runs {
    private static final String UNREADABLE = "unreadable";

    private Runs() {}

    /**
     * Scans {@code resultsDir} at any depth for folders holding {@code record.json} (symbolic links are not
     * followed) and returns one row per run, sorted by folder: run_id, folder (relative, '/'-separated; "." for
     * {@code resultsDir} itself), status, method, backbone, task, seed, epochs_done, last_test_top1,
     * test_top1_at_best_val, best_test_top1 (these three not when only segmentation runs have been evaluated),
     * last_test_miou and last_val_miou (each only when a run scored that split), trainable_params, wall_s,
     * images_per_s (mean over epochs), skipped_images (how many images the run left out as unreadable, {@code --skip-corrupt}), note.
     *
     * <p>method/backbone/task come from the config key of that name, at top level or else the first one met in
     * nested sections (keys in sorted order); empty when absent. A record that cannot be read is not skipped: its
     * row has status "unreadable", the error in {@code note} and missing figures, so a broken run cannot vanish
     * silently from a comparison. For readable runs, {@code note} holds the failure message, if any.
     */
    public static Table load(Path resultsDir) {
        if (!Files.isDirectory(resultsDir)) {
            throw new VptlabException(resultsDir + ": not a results directory");
        }
        List<Path> runDirs = findRunDirs(resultsDir);
        runDirs.sort((a, b) -> relative(resultsDir, a).compareTo(relative(resultsDir, b)));

        StringColumn runId = StringColumn.create("run_id");
        StringColumn folder = StringColumn.create("folder");
        StringColumn status = StringColumn.create("status");
        StringColumn method = StringColumn.create("method");
        StringColumn backbone = StringColumn.create("backbone");
        StringColumn task = StringColumn.create("task");
        LongColumn seed = LongColumn.create("seed");
        IntColumn epochsDone = IntColumn.create("epochs_done");
        DoubleColumn lastTest = DoubleColumn.create("last_test_top1");
        DoubleColumn testAtBestVal = DoubleColumn.create("test_top1_at_best_val");
        DoubleColumn bestTest = DoubleColumn.create("best_test_top1");
        DoubleColumn lastMiou = DoubleColumn.create("last_test_miou");
        DoubleColumn lastValMiou = DoubleColumn.create("last_val_miou");
        LongColumn trainable = LongColumn.create("trainable_params");
        DoubleColumn wall = DoubleColumn.create("wall_s");
        DoubleColumn imagesPerSecond = DoubleColumn.create("images_per_s");
        IntColumn skipped = IntColumn.create("skipped_images");
        StringColumn note = StringColumn.create("note");

        boolean classification = false; // a run with a top-1 evaluation among them
        boolean segmentation = false; // a run with an mIoU evaluation among them
        for (Path dir : runDirs) {
            folder.append(relative(resultsDir, dir));
            RunRecord r;
            try {
                r = RunRecord.read(dir);
            } catch (VptlabException e) {
                runId.append("");
                status.append(UNREADABLE);
                method.append("");
                backbone.append("");
                task.append("");
                seed.appendMissing();
                epochsDone.appendMissing();
                lastTest.appendMissing();
                testAtBestVal.appendMissing();
                bestTest.appendMissing();
                lastMiou.appendMissing();
                lastValMiou.appendMissing();
                trainable.appendMissing();
                wall.appendMissing();
                imagesPerSecond.appendMissing();
                skipped.appendMissing();
                note.append(e.getMessage());
                continue;
            }
            RunRecord.Headline h = r.headline();
            for (EpochMetrics e : r.epochs()) {
                for (dev.vptlab.task.EvalResult x : new dev.vptlab.task.EvalResult[] {e.val(), e.test()}) {
                    if (x != null) {
                        segmentation |= x.isSegmentation();
                        classification |= !x.isSegmentation();
                    }
                }
            }
            runId.append(r.runId());
            // "running" with nobody holding the folder's lock: the process died (kill -9, power loss); --resume goes on.
            boolean died = RunRecord.RUNNING.equals(r.status()) && !RunLock.isHeld(dir);
            status.append(died ? RunRecord.STOPPED : r.status());
            method.append(configText(r.config(), "method"));
            backbone.append(configText(r.config(), "backbone"));
            task.append(configText(r.config(), "task"));
            seed.append(r.seed());
            epochsDone.append(r.epochs().size());
            lastTest.append(h.lastTestTop1());
            testAtBestVal.append(h.testTop1AtBestVal());
            bestTest.append(h.bestTestTop1());
            lastMiou.append(r.lastTestMiou());
            lastValMiou.append(r.lastValMiou());
            trainable.append(r.trainableParameters());
            wall.append(r.wallSeconds());
            imagesPerSecond.append(meanImagesPerSecond(r));
            skipped.append(r.skippedImages().size());
            note.append(r.failure() != null ? r.failure()
                    : died ? "its process ended without finishing (killed?); --resume continues it" : "");
        }
        String name = resultsDir.getFileName() == null ? "runs" : resultsDir.getFileName().toString();
        Table t = Table.create(name, runId, folder, status, method, backbone, task, seed, epochsDone, lastTest,
                testAtBestVal, bestTest, lastMiou, lastValMiou, trainable, wall, imagesPerSecond, skipped, note);
        // The mIoU columns only where a segmentation run scored that split, so classification tables keep their layout.
        for (DoubleColumn c : List.of(lastMiou, lastValMiou)) {
            if (c.countMissing() == c.size()) {
                t.removeColumns(c.name());
            }
        }
        // Likewise the top-1 columns go where only segmentation runs have been evaluated.
        return segmentation && !classification ? t.removeColumns(lastTest.name(), testAtBestVal.name(), bestTest.name()) : t;
    }

    /**
     * Reads a run's {@code metrics.csv}: {@code epoch} as integers, every other column as doubles, empty cells
     * (splits not evaluated that epoch) as missing values.
     */
    public static Table epochs(Path runDir) {
        Path file = runDir.resolve(RunFolder.METRICS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new VptlabException(file + ": no metrics file here");
        }
        try {
            return Csv.read(file, runDir.getFileName() == null ? "epochs" : runDir.getFileName().toString(),
                    column -> column.equals("epoch") ? ColumnType.INTEGER : ColumnType.DOUBLE);
        } catch (RuntimeException e) {
            throw new VptlabException(file + ": cannot read metrics: " + e.getMessage(), e);
        }
    }

    /**
     * Plain text for terminals: every row (Tablesaw's {@code printAll}), floating-point columns with 2 decimals
     * and missing values blank. The argument is not modified.
     */
    public static String format(Table t) {
        Table copy = t.copy();
        DecimalFormat twoDecimals = new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ROOT));
        for (Column<?> c : copy.columns()) {
            if (c instanceof DoubleColumn d) {
                d.setPrintFormatter(new NumberColumnFormatter(twoDecimals, ""));
            } else if (c instanceof FloatColumn f) {
                f.setPrintFormatter(new NumberColumnFormatter(twoDecimals, ""));
            }
        }
        return copy.printAll();
    }

    private static List<Path> findRunDirs(Path root) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (Files.isRegularFile(dir.resolve(RunFolder.RECORD_FILE))) {
                        found.add(dir);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // an unreadable corner must not hide the other runs
                }
            });
        } catch (IOException e) {
            throw new VptlabException(root + ": cannot scan for runs: " + e.getMessage(), e);
        }
        return found;
    }

    private static String relative(Path root, Path dir) {
        String rel = root.relativize(dir).toString().replace(dir.getFileSystem().getSeparator(), "/");
        return rel.isEmpty() ? "." : rel;
    }

    /** The value of {@code key} at top level, else breadth-first in nested sections; "" when absent. */
    private static String configText(Map<String, Object> config, String key) {
        Deque<Map<?, ?>> queue = new ArrayDeque<>();
        queue.add(config);
        while (!queue.isEmpty()) {
            Map<?, ?> m = queue.removeFirst();
            Object v = m.get(key);
            if (v != null && !(v instanceof Map) && !(v instanceof List)) {
                return v.toString();
            }
            for (Object child : m.values()) {
                if (child instanceof Map<?, ?> sub) {
                    queue.addLast(sub);
                }
            }
        }
        return "";
    }

    private static double meanImagesPerSecond(RunRecord r) {
        double sum = 0;
        int count = 0;
        for (EpochMetrics e : r.epochs()) {
            if (Double.isFinite(e.imagesPerSecond())) {
                sum += e.imagesPerSecond();
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
