package dev.vptlab.train;

import dev.vptlab.data.Splits;
import dev.vptlab.task.DataSources;
import dev.vptlab.data.LoadOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Runs made one after another (a sweep, a study) that share what they can: the opened splits, while
 * consecutive runs read the same data, and the frozen-prefix caches of those splits
 * ({@link SharedPrefixCaches}: blocks before the prompts' insertion block see nothing trainable). A run
 * gives the same record as it would alone; only the time differs.
 */
public final class RunSeries implements AutoCloseable {
    private final Path dataRoot;
    private final LoadOptions load;
    private final SharedPrefixCaches caches = new SharedPrefixCaches();
    private List<Object> openedKey;
    private Splits opened;

    /** {@code dataRoot}: where {@link DataSources} finds the prepared datasets (may be null for mini and synthetic tasks). */
    public RunSeries(Path dataRoot) {
        this(dataRoot, LoadOptions.DEFAULT);
    }

    /** As {@link #RunSeries(Path)}, opening image splits with {@code load} (e.g. skipping corrupt images). */
    public RunSeries(Path dataRoot, LoadOptions load) {
        this.dataRoot = dataRoot;
        this.load = load;
    }

    /** Trains (or, with {@code resume}, continues) one run of the series into {@code dir}. */
    public RunRecord run(RunConfig cfg, Path dir, Progress progress, boolean resume) {
        return run(cfg, dir, progress, resume, List.of());
    }

    /** As {@link #run(RunConfig, Path, Progress, boolean)}, letting a resume change {@code allowChanged} (see {@link Trainer#allowChanged}). */
    public RunRecord run(RunConfig cfg, Path dir, Progress progress, boolean resume, List<String> allowChanged) {
        return trainer(cfg, splits(cfg), dir, progress).allowChanged(allowChanged).run(resume);
    }

    /** As {@link #run(RunConfig, Path, Progress, boolean)} on splits of the caller's (shared while they are the same objects). */
    public RunRecord run(RunConfig cfg, Splits splits, Path dir, Progress progress, boolean resume) {
        return trainer(cfg, splits, dir, progress).run(resume);
    }

    private Trainer trainer(RunConfig cfg, Splits splits, Path dir, Progress progress) {
        return new Trainer(cfg, splits, dir, progress).withSharedPrefixCaches(caches);
    }

    /** What {@link RunSplits#open(RunConfig, Path, int, int)} reads of a config, and the model's input shape. */
    private Splits splits(RunConfig cfg) {
        int[] shape = RunModels.inputShape(cfg);
        List<Object> key = Arrays.asList(cfg.task(), cfg.preprocess(), cfg.numClasses(), cfg.seed(), cfg.trainLimit(),
                cfg.testLimit(), shape[0], shape[1]);
        if (!key.equals(openedKey)) {
            caches.keepOnly(Set.of()); // the old splits' caches go before the new splits are made
            opened = RunSplits.open(cfg, dataRoot, shape[1], shape[0], load);
            openedKey = key;
        }
        return opened;
    }

    /** How the series' prefix caches were made (built, carried on to a later block, reused). */
    public String prefixCacheCounts() {
        return caches.counts();
    }

    @Override
    public void close() {
        caches.close();
    }
}
