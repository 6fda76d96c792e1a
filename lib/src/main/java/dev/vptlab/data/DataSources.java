package dev.vptlab.data;

import dev.vptlab.VptlabException;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the splits of a task by name, with the preprocessing of the run's recipe. {@code synthetic}
 * needs no files; VTAB-1K and FGVC are read from a data root prepared by {@code data-scripts/}:
 * {@code <root>/vtab-1k/<key>/} (or {@code <root>/<key>/}) and {@code <root>/fgvc/<key>/}.
 */
public final class DataSources {
    private DataSources() {}

    /** The splits of {@code cfg.task()} at the model's input size. */
    public static Trainer.Splits open(RunConfig cfg, Path dataRoot, int imageSide, int channels) {
        return open(cfg.task(), cfg.preprocess(), dataRoot, imageSide, channels, cfg.numClasses(), cfg.seed(), LoadOptions.DEFAULT);
    }

    public static Trainer.Splits open(String task, String preprocess, Path dataRoot, int imageSide, int channels, int numClasses,
            long seed, LoadOptions o) {
        if (task.equals("synthetic")) {
            return synthetic(imageSide, channels, numClasses, seed);
        }
        if (Vtab1k.tasks().containsKey(task)) {
            Path dir = firstExisting(dataRoot.resolve("vtab-1k").resolve(task), dataRoot.resolve(task));
            Transform t = preprocess.equals("cvpt") ? Pipelines.cvptVtab(imageSide) : Pipelines.gatedVtab(imageSide);
            return Vtab1k.open(dir, task, t, o);
        }
        if (Fgvc.datasets().containsKey(task)) {
            Path dir = firstExisting(dataRoot.resolve("fgvc").resolve(task), dataRoot.resolve(task));
            // Resize(256) then crop 224 at 224 px; the same ratio at other input sizes.
            int resize = Math.round(imageSide * 256f / 224f);
            return Fgvc.open(dir, task, Pipelines.fgvcTrain(resize, imageSide), Pipelines.fgvcEval(resize, imageSide), o);
        }
        throw new VptlabException("unknown task '" + task + "'; known: synthetic, VTAB-1K " + Vtab1k.tasks().keySet()
                + ", FGVC " + Fgvc.datasets().keySet());
    }

    /** A small learnable dataset for smoke runs and tests (256 train / 64 val / 128 test). */
    public static Trainer.Splits synthetic(int imageSide, int channels, int numClasses, long seed) {
        return new Trainer.Splits(
                new SyntheticDataset("synthetic/train", 256, numClasses, channels, imageSide, seed, false),
                new SyntheticDataset("synthetic/val", 64, numClasses, channels, imageSide, seed + 1, false),
                new SyntheticDataset("synthetic/test", 128, numClasses, channels, imageSide, seed + 2, false));
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
