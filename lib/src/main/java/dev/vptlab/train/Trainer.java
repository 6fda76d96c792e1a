package dev.vptlab.train;

import dev.vptlab.task.Task;
import dev.vptlab.task.Classification;
import dev.vptlab.task.Losses;
import dev.vptlab.task.EvalResult;
import dev.vptlab.data.Splits;
import dev.vptlab.util.ExitGuard;
import dev.vptlab.util.Seeds;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.util.FileHash;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.data.Batches;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.PromptedVit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs one training run as its config says, writing a run folder that survives being killed: after
 * every epoch the record ({@code record.json}, {@code metrics.csv}) and a checkpoint
 * ({@code state.safetensors}: trainable tensors and optimizer state) are written atomically.
 *
 * <p>Reproducibility without saving random-generator state: the engine's generator is re-seeded
 * from (seed, epoch, step) before every step, the shuffle from (seed, epoch) and augmentation from
 * (seed, epoch, image). A resumed run therefore draws exactly what an uninterrupted one draws, and on
 * CPU reaches identical metrics.
 *
 * <p>Slightly over 300 lines because a run's lifecycle (lock, resume checks, the write order of record and
 * state, failure marking) reads best as one piece.
 */
public final class Trainer {
    /** The splits of a task; val and test may be null. */
    public static final String STATE_FILE = "state.safetensors";
    public static final String TRAINABLE_FILE = "trainable.safetensors";

    private final RunConfig cfg;
    /** What the run trains for; classification until a config names another task kind. */
    private final Task task = Classification.TASK;
    private final Splits data;
    private final Path runDir;
    private final Progress progress;
    private StepObserver observer = (step, manager) -> { };
    private Set<String> allowChanged = Set.of();
    private SharedPrefixCaches shared;

    /** Called after every optimizer step with the run's long-lived manager (tests watch memory with it). */
    @FunctionalInterface
    public interface StepObserver {
        void afterStep(long globalStep, NDManager base);
    }

    public Trainer withObserver(StepObserver o) {
        this.observer = o;
        return this;
    }

    /**
     * Takes frozen-prefix caches from {@code caches}, shared with the study's other runs, instead of building
     * its own (the caller passes the same {@link Splits} objects to runs that should share them).
     */
    public Trainer withSharedPrefixCaches(SharedPrefixCaches caches) {
        this.shared = caches;
        return this;
    }

    public Trainer(RunConfig cfg, Splits data, Path runDir, Progress progress) {
        this.cfg = cfg;
        this.data = data;
        this.runDir = runDir;
        this.progress = progress;
        validate();
    }

    /** Everything that can be checked before a step runs, so that bad input fails before any training. */
    private void validate() {
        ImageDataset train = data.train();
        if (train == null || train.size() == 0) {
            throw new VptlabException("the training split is empty");
        }
        if (cfg.batchSize() > train.size()) {
            throw new VptlabException("batch size " + cfg.batchSize() + " is larger than the training split "
                    + train.name() + " (" + train.size() + " images)");
        }
        for (ImageDataset d : new ImageDataset[] {train, data.val(), data.test()}) {
            if (d != null && d.numClasses() != cfg.numClasses()) {
                throw new VptlabException(d.name() + " has " + d.numClasses() + " classes, the config says " + cfg.numClasses());
            }
        }
        if (cfg.backbone() == null || !Files.isRegularFile(Path.of(cfg.backbone()))) {
            throw new VptlabException("backbone checkpoint not found: " + cfg.backbone());
        }
    }

    /**
     * Lets a resume change these {@link RunConfig#toMap()} fields (a subset of {@link RunConfig#RESUME_CHANGEABLE});
     * the record keeps each change as a {@link ConfigChange}.
     */
    public Trainer allowChanged(java.util.Collection<String> fields) {
        for (String f : fields) {
            if (!RunConfig.RESUME_CHANGEABLE.contains(f)) {
                throw new VptlabException("--allow-changed " + f + ": a resume may change only "
                        + String.join(", ", RunConfig.RESUME_CHANGEABLE) + " (the rest decides what the checkpoint means)");
            }
        }
        this.allowChanged = Set.copyOf(fields);
        return this;
    }

    /**
     * Trains from scratch, or continues from the run folder's last checkpoint when {@code resume}, holding the
     * folder's {@link RunLock} throughout.
     *
     * <p>Write order, and why no kill leaves a folder that cannot go on: the record is written first (when the run
     * starts, with no epochs, and after every epoch), then {@link #STATE_FILE}, whose {@code epochs_done} is the
     * authority. A resume keeps the record's first {@code epochs_done} epochs and drops the one a kill may have
     * left between the two writes; a record without a state (killed in the first epoch) resumes from scratch.
     *
     * @throws RunFolderLockedException when another run writes into the folder
     * @throws RunFolderException when the folder holds a run and {@code resume} is false, or holds none, another
     *     config or another backbone and {@code resume} is true
     * @throws NonFiniteException when the loss, an evaluation or the parameters stop being finite; the record then
     *     says {@code failed} and the last checkpoint with finite values stays
     */
    public RunRecord run(boolean resume) {
        return RunFolder.underLock(runDir, resume, progress, this::runLocked);
    }

    private RunRecord runLocked(RunFolder folder, boolean resume) {
        Path state = runDir.resolve(STATE_FILE);
        RunRecord old = folder.previous(resume);
        String backboneHash = FileHash.sha256(Path.of(cfg.backbone()));
        int done = old != null && Files.exists(state) ? StateFile.epochsDone(state) : 0;
        List<ConfigChange> changes = new ArrayList<>();
        if (old != null) {
            if (done > old.epochs().size()) {
                throw new RunFolderException(state + " says " + done + " epochs are done but " + folder.file(RunFolder.RECORD_FILE)
                        + " holds only " + old.epochs().size() + "; the folder was changed by hand");
            }
            changes.addAll(old.configChanges());
            changes.addAll(checkResumable(old, backboneHash, done));
        }
        long t0 = System.nanoTime();
        double previousWall = old == null ? 0 : old.wallSeconds();
        String started = old == null ? Instant.now().toString() : old.startedAt();
        try (NDManager base = NDManager.newBaseManager()) {
            try {
                PromptedVit model = RunModels.build(cfg, data.train().imageShape(), base);
                Optimizer optimizer = cfg.newOptimizer();
                List<EpochMetrics> epochs = new ArrayList<>();
                if (done > 0) {
                    StateFile.load(state, model, optimizer);
                    // The record may be one epoch ahead of the checkpoint if a kill fell between the two writes.
                    epochs.addAll(old.epochs().subList(0, done));
                    progress.message("resuming " + runDir + " after epoch " + done + " of " + cfg.epochs());
                } else if (old != null) {
                    progress.message("restarting " + runDir + " from scratch: it stopped before its first checkpoint");
                }
                Run run = new Run(folder, started, previousWall, t0, backboneHash, List.copyOf(changes), model, base);
                return train(run, state, optimizer, cfg.lrSchedule(), epochs, done, old);
            } catch (RuntimeException | Error e) {
                folder.markFailed(previousWall + (System.nanoTime() - t0) / 1e9, e);
                throw e;
            }
        }
    }

    /** What a record of this run needs besides its status and epochs. */
    private record Run(RunFolder folder, String started, double previousWall, long t0, String backboneHash,
            List<ConfigChange> changes, PromptedVit model, NDManager base) {
        double wall() {
            return previousWall + (System.nanoTime() - t0) / 1e9;
        }
    }

    private RunRecord train(Run run, Path state, Optimizer optimizer, LrSchedule schedule, List<EpochMetrics> epochs,
            int done, RunRecord old) {
        PromptedVit model = run.model();
        if (done == cfg.epochs() && old.status().equals(RunRecord.FINISHED) && run.changes().equals(old.configChanges())) {
            saveTrainable(model); // the same bytes again
            return old;
        }
        if (done == cfg.epochs()) {
            saveTrainable(model);
        }
        RunRecord record = record(done == cfg.epochs() ? RunRecord.FINISHED : RunRecord.RUNNING, null, run,
                done == cfg.epochs() ? Instant.now().toString() : null, epochs);
        run.folder().write(record); // the folder is claimed, with the backbone's hash, before the first step
        PausePoints.reach("started", done);
        try (RunCaches.Caches caches = new RunCaches(cfg, data, shared, progress).build(model, run.base())) {
            Epochs loop = new Epochs(cfg, data, task, progress, observer);
            for (int epoch = done; epoch < cfg.epochs(); epoch++) {
                EpochMetrics m = loop.train(model, optimizer, schedule.lr(epoch), epoch, caches, run.base());
                try {
                    m = loop.evaluate(model, m, epoch, caches, run.base());
                } catch (NonFiniteException e) {
                    throw new NonFiniteException(loop.atEpoch(epoch) + ": " + e.getMessage() + Epochs.keptCheckpoint(epoch));
                }
                Map<String, RawTensor> tensors;
                try (ExitGuard.Hold exit = ExitGuard.hold()) {
                    tensors = StateFile.tensors(model, optimizer);
                }
                String bad = FiniteChecks.problem(tensors);
                if (bad != null) {
                    throw new NonFiniteException(loop.atEpoch(epoch) + ": the trained values are no longer usable numbers ("
                            + bad + ")" + Epochs.keptCheckpoint(epoch));
                }
                epochs.add(m);
                boolean last = epoch == cfg.epochs() - 1;
                if (last) {
                    saveTrainable(model);
                }
                record = record(last ? RunRecord.FINISHED : RunRecord.RUNNING, null, run, last ? Instant.now().toString() : null,
                        epochs);
                run.folder().write(record);
                PausePoints.reach("record-written", epoch + 1);
                Safetensors.write(state, tensors, Map.of("epochs_done", String.valueOf(epoch + 1), "optimizer", optimizer.describe()));
                PausePoints.reach("state-written", epoch + 1);
                progress.endEpoch(m);
            }
        }
        return record;
    }

    /**
     * Writes {@code trainable.safetensors}, always before the record that says the run finished: a stop at any point
     * (SIGKILL, or SIGTERM, after which this thread runs on until its next {@link ExitGuard} hold) never leaves a
     * finished record without it, and {@code reproduce} reuses a finished run as it is.
     */
    private void saveTrainable(PromptedVit model) {
        try (ExitGuard.Hold exit = ExitGuard.hold()) {
            model.saveTrainable(runDir.resolve(TRAINABLE_FILE));
        }
    }

    /**
     * Refuses a resume on another config (but the fields allowed to change) or another backbone file; returns the
     * allowed changes, taking effect after {@code done} epochs.
     */
    private List<ConfigChange> checkResumable(RunRecord old, String backboneHash, int done) {
        List<ConfigChange> diff = cfg.changes(old.config(), done);
        List<ConfigChange> refused = diff.stream().filter(c -> !allowChanged.contains(c.field())).toList();
        if (!refused.isEmpty()) {
            boolean onlySchedule = refused.stream().allMatch(c -> RunConfig.RESUME_CHANGEABLE.contains(c.field()));
            throw new RunFolderException(runDir + ": cannot resume, the config differs from the checkpoint's: "
                    + refused.stream().map(ConfigChange::toString).collect(Collectors.joining("; "))
                    + (onlySchedule ? " (to continue with it, say so: --allow-changed "
                            + refused.stream().map(ConfigChange::field).collect(Collectors.joining(",")) + ")" : ""));
        }
        if (old.backboneSha256() != null && !old.backboneSha256().equals(backboneHash)) {
            throw new RunFolderException(runDir + ": cannot resume, the backbone " + cfg.backbone() + " now has SHA-256 "
                    + backboneHash + " but the run was trained on a file with SHA-256 " + old.backboneSha256());
        }
        return diff;
    }

    private RunRecord record(String status, String failure, Run run, String finished, List<EpochMetrics> epochs) {
        return new RunRecord(runDir.getFileName().toString(), status, failure, cfg.toMap(), run.backboneHash(), run.changes(),
                cfg.seed(), RunFolder.versions(), run.base().getDevice().toString(), run.model().trainableCount(), run.model().totalCount(),
                run.started(), finished, run.wall(), List.copyOf(epochs), skippedImages());
    }

    /** What the splits left out as unreadable, in split order (train, val, test), each image once. */
    private List<String> skippedImages() {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        for (dev.vptlab.data.ImageDataset d : new dev.vptlab.data.ImageDataset[] {data.train(), data.val(), data.test()}) {
            if (d != null) {
                all.addAll(d.skippedImages());
            }
        }
        return List.copyOf(all);
    }

}
