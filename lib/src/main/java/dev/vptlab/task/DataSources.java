package dev.vptlab.task;

import dev.vptlab.VptlabException;
import dev.vptlab.mini.MiniBenchmark;
import dev.vptlab.mini.MiniTask;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.Fgvc;
import dev.vptlab.data.FolderTask;
import dev.vptlab.data.LoadOptions;
import dev.vptlab.data.Pipelines;
import dev.vptlab.data.Splits;
import dev.vptlab.data.SyntheticDataset;
import dev.vptlab.data.Transform;
import dev.vptlab.data.Vtab1k;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the splits of a task by name, with the preprocessing of the run's recipe. {@code synthetic}
 * needs no files; VTAB-1K and FGVC are read from a data root prepared by {@code data-scripts/}:
 * {@code <root>/vtab-1k/<key>/} (or {@code <root>/<key>/}) and {@code <root>/fgvc/<key>/}. The mini
 * benchmark's {@code fm-*} tasks are rendered from Fashion-MNIST ({@link #mini}). Any other existing folder is a
 * task of the user's own ({@link FolderTask}), preprocessed as VTAB-1K.
 */
public final class DataSources {
    private DataSources() {}

    public static Splits open(String task, String preprocess, Path dataRoot, int imageSide, int channels, int numClasses,
            long seed, LoadOptions o) {
        if (task.equals("synthetic")) {
            return synthetic(imageSide, channels, numClasses, seed);
        }
        if (task.startsWith("fm-")) {
            return mini(task, dataRoot, imageSide, channels, numClasses, seed);
        }
        if (Vtab1k.tasks().containsKey(task)) {
            Path dir = firstExisting(dataRoot.resolve("vtab-1k").resolve(task), dataRoot.resolve(task));
            Transform t = preprocess.equals("cvpt") ? Pipelines.cvptVtab(imageSide) : Pipelines.gatedVtab(imageSide);
            return Vtab1k.open(dir, task, t, o);
        }
        if (FolderTask.isFolder(task)) {
            Transform t = preprocess.equals("cvpt") ? Pipelines.cvptVtab(imageSide) : Pipelines.gatedVtab(imageSide);
            return FolderTask.open(Path.of(task), t, o, numClasses);
        }
        if (Fgvc.datasets().containsKey(task)) {
            Path dir = firstExisting(dataRoot.resolve("fgvc").resolve(task), dataRoot.resolve(task));
            // Resize(256) then crop 224 at 224 px; the same ratio at other input sizes.
            int resize = Math.round(imageSide * 256f / 224f);
            return Fgvc.open(dir, task, Pipelines.fgvcTrain(resize, imageSide), Pipelines.fgvcEval(resize, imageSide), o);
        }
        throw new VptlabException("unknown task '" + task + "' (and no such folder); known: a task folder, synthetic, VTAB-1K " + Vtab1k.tasks().keySet()
                + ", FGVC " + Fgvc.datasets().keySet() + ", mini benchmark " + MiniBenchmark.tasks().stream()
                .filter(t -> !t.isSegmentation()).map(MiniTask::key).toList());
    }

    /**
     * A mini-benchmark task ({@code fm-*}), rendered from Fashion-MNIST's test split with the run's seed.
     * The files are read from {@code <root>/fashion-mnist/} when the data root has that folder, else from
     * {@link FashionMnist#locate()}. The tasks are fixed at 1×32×32 (the {@code vit_tiny12_fmnist} input).
     */
    public static Splits mini(String task, Path dataRoot, int imageSide, int channels, int numClasses, long seed) {
        MiniTask t = MiniBenchmark.task(task);
        if (t.isSegmentation()) {
            throw new VptlabException("'" + task + "' is the mini segmentation task; it is not a classification dataset");
        }
        if (imageSide != MiniBenchmark.SIDE || channels != 1) {
            throw new VptlabException("mini-benchmark task '" + task + "' has 1x32x32 images, but the model takes "
                    + channels + "x" + imageSide + "x" + imageSide + " (use the vit_tiny12_fmnist backbone)");
        }
        if (numClasses < t.classes()) {
            throw new VptlabException("mini-benchmark task '" + task + "' has " + t.classes() + " classes, but the run's head has "
                    + numClasses);
        }
        Path own = dataRoot == null ? null : dataRoot.resolve("fashion-mnist");
        Path dir = own != null && Files.isDirectory(own) ? own : FashionMnist.locate();
        return MiniBenchmark.open(task, FashionMnist.load(dir, "t10k"), seed);
    }

    /** A small learnable dataset for smoke runs and tests (256 train / 64 val / 128 test). */
    public static Splits synthetic(int imageSide, int channels, int numClasses, long seed) {
        return synthetic(imageSide, channels, numClasses, seed, 256, 64, 128);
    }

    /** The synthetic dataset with other split sizes (benchmarks with a task's proportions). */
    public static Splits synthetic(int imageSide, int channels, int numClasses, long seed, int train, int val, int test) {
        return new Splits(
                new SyntheticDataset("synthetic/train", train, numClasses, channels, imageSide, seed, false),
                new SyntheticDataset("synthetic/val", val, numClasses, channels, imageSide, seed + 1, false),
                new SyntheticDataset("synthetic/test", test, numClasses, channels, imageSide, seed + 2, false));
    }

    private static Path firstExisting(Path... candidates) {
        for (Path p : candidates) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new VptlabException("dataset folder not found; looked for " + List.of(candidates)
                + ". Prepare it with data-scripts/ (see data-scripts/README.md)");
    }
}
