package dev.vptlab.data;

import dev.vptlab.VptlabException;
import dev.vptlab.train.Trainer;
import java.nio.file.Path;

/**
 * Opens the splits of a task by name. {@code synthetic} needs no files; the paper datasets are opened
 * from a data root prepared by {@code data-scripts/}.
 */
public final class DataSources {
    private DataSources() {}

    /**
     * @param imageSide the model's input side (synthetic data is made at that size)
     * @param channels the model's input channels
     */
    public static Trainer.Splits open(String task, Path dataRoot, int imageSide, int channels, int numClasses, long seed) {
        if (task.equals("synthetic")) {
            return new Trainer.Splits(
                    new SyntheticDataset("synthetic/train", 256, numClasses, channels, imageSide, seed, false),
                    new SyntheticDataset("synthetic/val", 64, numClasses, channels, imageSide, seed + 1, false),
                    new SyntheticDataset("synthetic/test", 128, numClasses, channels, imageSide, seed + 2, false));
        }
        throw new VptlabException("no dataset loader for task '" + task + "' in this build (data root " + dataRoot
                + "); available: synthetic");
    }
}
