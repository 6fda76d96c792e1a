package dev.vptlab.train;

import java.util.Map;
import java.nio.file.Files;
import dev.vptlab.task.EvalResult;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.util.Csv;
import java.nio.file.Path;
import java.util.List;

/**
 * One run's folder on disk. {@code record.json} is the complete, authoritative record; {@code metrics.csv} is
 * the same epochs flattened for spreadsheets, pandas and {@link Runs#epochs(Path)}. Both are rewritten whole
 * after every epoch through {@link AtomicFiles}, so a reader (or a crash) never sees a half-written file.
 */
public final class RunFolder {
    public static final String RECORD_FILE = "record.json";
    public static final String METRICS_FILE = "metrics.csv";
    /** Header of {@code metrics.csv}, in column order. */
    public static final List<String> METRICS_COLUMNS = List.of("epoch", "lr", "train_loss", "train_top1",
            "val_top1", "val_top5", "val_auc", "test_top1", "test_top5", "test_auc", "seconds", "images_per_s");

    /**
     * Header of a segmentation run's {@code metrics.csv}: one row per evaluation period ({@code epoch} is its 0-based
     * index), the training pixel accuracy and the mIoU / aAcc of each evaluated split, in percent.
     */
    public static final List<String> SEGMENTATION_METRICS_COLUMNS = List.of("epoch", "lr", "train_loss", "train_pixel_acc",
            "val_miou", "val_aacc", "test_miou", "test_aacc", "seconds", "images_per_s");

    private final Path dir;

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** A file inside the run folder, e.g. {@code file("checkpoint-last.safetensors")}. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Writes {@code metrics.csv} and then {@code record.json}, each atomically (the folder is created if needed). */
    public void write(RunRecord record) {
        AtomicFiles.writeString(file(METRICS_FILE), metricsCsv(record));
        AtomicFiles.writeString(file(RECORD_FILE), record.toJson());
    }

    /** Reads this folder's {@code record.json} (see {@link RunRecord#read(Path)}). */
    public RunRecord read() {
        return RunRecord.read(dir);
    }

    /**
     * The {@code metrics.csv} text: one row per epoch; a split not evaluated that epoch, and any NaN (such as the
     * AUC when C != 2), is an empty cell. Numbers use {@link Double#toString}, locale-independent and exact.
     */
    static String metricsCsv(RunRecord record) {
        boolean segmentation = record.epochs().stream().anyMatch(e -> (e.val() != null && e.val().isSegmentation())
                || (e.test() != null && e.test().isSegmentation()));
        if (segmentation) {
            StringBuilder sb = new StringBuilder(Csv.line(SEGMENTATION_METRICS_COLUMNS));
            for (EpochMetrics e : record.epochs()) {
                EvalResult v = e.val();
                EvalResult t = e.test();
                sb.append(Csv.line(String.valueOf(e.epoch()), Csv.number(e.lr()), Csv.number(e.trainLoss()),
                        Csv.number(e.trainTop1()), Csv.number(v == null ? Double.NaN : v.miou()),
                        Csv.number(v == null ? Double.NaN : v.aacc()), Csv.number(t == null ? Double.NaN : t.miou()),
                        Csv.number(t == null ? Double.NaN : t.aacc()), Csv.number(e.seconds()), Csv.number(e.imagesPerSecond())));
            }
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder(Csv.line(METRICS_COLUMNS));
        for (EpochMetrics e : record.epochs()) {
            EvalResult v = e.val();
            EvalResult t = e.test();
            sb.append(Csv.line(String.valueOf(e.epoch()), Csv.number(e.lr()), Csv.number(e.trainLoss()), Csv.number(e.trainTop1()),
                    Csv.number(v == null ? Double.NaN : v.top1()), Csv.number(v == null ? Double.NaN : v.top5()),
                    Csv.number(v == null ? Double.NaN : v.auc()), Csv.number(t == null ? Double.NaN : t.top1()),
                    Csv.number(t == null ? Double.NaN : t.top5()), Csv.number(t == null ? Double.NaN : t.auc()),
                    Csv.number(e.seconds()), Csv.number(e.imagesPerSecond())));
        }
        return sb.toString();
    }

    /** What a locked run does with its folder; {@code resume} as the caller was asked. */
    @FunctionalInterface
    public interface LockedRun {
        RunRecord run(RunFolder folder, boolean resume);
    }

    /**
     * The start every trainer shares: refuses a resume of a folder that does not exist (before the lock, which would
     * create it), takes the folder's {@link RunLock} for the whole run, removes temporary files of killed writes (with
     * the lock held no other writer exists), then runs {@code body}.
     */
    public static RunRecord underLock(Path runDir, boolean resume, Progress progress, LockedRun body) {
        if (resume && !Files.isDirectory(runDir)) {
            throw nothingToResume(runDir);
        }
        try (RunLock lock = RunLock.acquire(runDir)) {
            List<String> leftovers = AtomicFiles.removeLeftovers(runDir);
            if (!leftovers.isEmpty()) {
                progress.message("removed " + leftovers.size() + " temporary file(s) of interrupted writes from " + runDir);
            }
            return body.run(new RunFolder(runDir), resume);
        }
    }

    /**
     * The record a run continues from: null for a fresh run; refuses a fresh run on a folder that holds one, and a
     * resume of a folder that holds none.
     */
    public RunRecord previous(boolean resume) {
        boolean hasRecord = Files.exists(file(RECORD_FILE));
        if (!resume && hasRecord) {
            throw new RunFolderException(dir + " already holds a run; pass --resume to continue it or choose another folder");
        }
        if (resume && !hasRecord) {
            throw nothingToResume(dir);
        }
        return resume ? read() : null;
    }

    private static RunFolderException nothingToResume(Path runDir) {
        return new RunFolderException(runDir + ": nothing to resume (no " + RECORD_FILE + "); train without --resume to start the run");
    }

    /** Marks the record failed with {@code e}'s reason; never hides {@code e} (a failure here is attached to it). */
    public void markFailed(double wall, Throwable e) {
        try {
            if (Files.exists(file(RECORD_FILE))) {
                String reason = e instanceof dev.vptlab.VptlabException ? e.getMessage() : e.getClass().getName() + ": " + e.getMessage();
                write(read().ended(RunRecord.FAILED, reason, wall));
            }
        } catch (RuntimeException f) {
            e.addSuppressed(f);
        }
    }

    /**
     * The component versions a run record keeps: vptlab, DJL, PyTorch, Java, and the two native settings a CPU run's
     * bits depend on: MKL's reproducibility mode and libtorch's thread count ({@link TorchThreads}).
     */
    public static Map<String, String> versions() {
        Map<String, String> versions = new java.util.LinkedHashMap<>();
        String v = RunFolder.class.getPackage().getImplementationVersion();
        versions.put("vptlab", v == null ? "dev" : v);
        versions.put("djl", ai.djl.engine.Engine.getDjlVersion());
        versions.put("pytorch", ai.djl.engine.Engine.getInstance().getVersion());
        versions.put("java", System.getProperty("java.version"));
        versions.put("mkl_cbwr", dev.vptlab.util.NativeDeterminism.setting());
        versions.put("torch_threads", Integer.toString(TorchThreads.current()));
        return versions;
    }
}
