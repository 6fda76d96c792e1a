package dev.vptlab.train;

import dev.vptlab.data.FirstImages;
import dev.vptlab.data.LoadOptions;
import dev.vptlab.data.Splits;
import dev.vptlab.task.DataSources;
import java.nio.file.Path;

/** The splits a run trains and evaluates on: its task's, with its recipe's preprocessing, cut to its image limits. */
public final class RunSplits {
    private RunSplits() {}

    /** The splits of {@code cfg.task()} at the model's input size. */
    public static Splits open(RunConfig cfg, Path dataRoot, int imageSide, int channels) {
        return open(cfg, dataRoot, imageSide, channels, LoadOptions.DEFAULT);
    }

    /** As {@link #open(RunConfig, Path, int, int)}, opening image splits with {@code o} (skip-corrupt, pixel limit). */
    public static Splits open(RunConfig cfg, Path dataRoot, int imageSide, int channels, LoadOptions o) {
        Splits s = DataSources.open(cfg.task(), cfg.preprocess(), dataRoot, imageSide, channels, cfg.numClasses(), cfg.seed(), o);
        return new Splits(FirstImages.of(s.train(), cfg.trainLimit()), FirstImages.of(s.val(), cfg.testLimit()),
                FirstImages.of(s.test(), cfg.testLimit()));
    }
}
