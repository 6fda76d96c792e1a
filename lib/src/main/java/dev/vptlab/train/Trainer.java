package dev.vptlab.train;

import dev.vptlab.task.Task;
import dev.vptlab.task.Classification;
import dev.vptlab.task.Losses;
import dev.vptlab.task.EvalResult;
import dev.vptlab.data.Splits;
import dev.vptlab.util.Seeds;
import ai.djl.engine.Engine;
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
import java.util.LinkedHashMap;
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

    /** Builds the frozen backbone and the prompted model exactly as the config says (seeded init). */
    public static PromptedVit buildModel(RunConfig cfg, int[] imageShape, NDManager m) {
        Path file = Path.of(cfg.backbone());
        Checkpoint ck = Checkpoint.read(file);
        Checkpoint.Architecture arch = ck.architecture();
        VitConfig vc = cfg.heads() != null ? arch.config(file, cfg.heads()) : arch.config(file);
        if (imageShape[1] != imageShape[2] || imageShape[0] != vc.inChannels()) {
            throw new VptlabException("images of shape " + java.util.Arrays.toString(imageShape) + " do not fit "
                    + vc.name() + " (" + vc.inChannels() + " channels, square)");
        }
        if (imageShape[1] != vc.imageSize()) {
            vc = vc.withImageSize(imageShape[1]);
        }
        BackboneLoader.check(ck, vc); // names and shapes before the engine allocates anything
        Engine.getInstance().setRandomSeed((int) cfg.seed());
        VisionTransformer vit = VisionTransformer.create(vc, m);
        BackboneLoader.loadInto(vit, ck);
        return Classification.TASK.model(cfg.method(), vit, m, cfg.pooling(), cfg.numClasses());
    }

    /** The input shape [C, side, side] of the backbone a config names. */
    public static int[] inputShape(RunConfig cfg) {
        Path file = Path.of(cfg.backbone());
        if (!Files.isRegularFile(file)) {
            throw new VptlabException("backbone checkpoint not found: " + file);
        }
        VitConfig shapes = Checkpoint.read(file).architecture().shapes();
        return new int[] {shapes.inChannels(), shapes.imageSize(), shapes.imageSize()};
    }

    /**
     * Loads trained values from a run's {@link #TRAINABLE_FILE} or {@link #STATE_FILE}, or from an official
     * trainer's file (safetensors or PyTorch, detected from the bytes), whose frozen trunk must equal the model's
     * backbone ({@link dev.vptlab.prompt.TrainedFile}).
     */
    public static void loadTrained(PromptedVit model, Path file) {
        model.loadTrainable(dev.vptlab.prompt.TrainedFile.read(file, model.backbone()), file.toString());
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
        if (resume && !Files.isDirectory(runDir)) {
            throw nothingToResume(); // before the lock, which would create the folder
        }
        try (RunLock lock = RunLock.acquire(runDir)) {
            // With the lock held no other writer exists, so every temporary file here is a killed write's.
            List<String> leftovers = dev.vptlab.util.AtomicFiles.removeLeftovers(runDir);
            if (!leftovers.isEmpty()) {
                progress.message("removed " + leftovers.size() + " temporary file(s) of interrupted writes from " + runDir);
            }
            return runLocked(resume);
        }
    }

    private RunRecord runLocked(boolean resume) {
        RunFolder folder = new RunFolder(runDir);
        Path state = runDir.resolve(STATE_FILE);
        boolean hasRecord = Files.exists(folder.file(RunFolder.RECORD_FILE));
        if (!resume && hasRecord) {
            throw new RunFolderException(runDir + " already holds a run; pass --resume to continue it or choose another folder");
        }
        if (resume && !hasRecord) {
            throw nothingToResume();
        }
        String backboneHash = FileHash.sha256(Path.of(cfg.backbone()));
        RunRecord old = resume ? folder.read() : null;
        int done = old != null && Files.exists(state) ? epochsDone(state) : 0;
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
                PromptedVit model = buildModel(cfg, data.train().imageShape(), base);
                Optimizer optimizer = cfg.newOptimizer();
                List<EpochMetrics> epochs = new ArrayList<>();
                if (done > 0) {
                    loadState(state, model, optimizer);
                    // The record may be one epoch ahead of the checkpoint if a kill fell between the two writes.
                    epochs.addAll(old.epochs().subList(0, done));
                    progress.message("resuming " + runDir + " after epoch " + done + " of " + cfg.epochs());
                } else if (old != null) {
                    progress.message("restarting " + runDir + " from scratch: it stopped before its first checkpoint");
                }
                Run run = new Run(folder, started, previousWall, t0, backboneHash, List.copyOf(changes), model, base);
                return train(run, state, optimizer, cfg.lrSchedule(), epochs, done, old);
            } catch (RuntimeException | Error e) {
                markFailed(folder, previousWall + (System.nanoTime() - t0) / 1e9, e);
                throw e;
            }
        }
    }

    private RunFolderException nothingToResume() {
        return new RunFolderException(runDir + ": nothing to resume (no " + RunFolder.RECORD_FILE
                + "); train without --resume to start the run");
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
            model.saveTrainable(runDir.resolve(TRAINABLE_FILE)); // the same bytes again, in case a kill fell before it
            return old;
        }
        RunRecord record = record(done == cfg.epochs() ? RunRecord.FINISHED : RunRecord.RUNNING, null, run,
                done == cfg.epochs() ? Instant.now().toString() : null, epochs);
        run.folder().write(record); // the folder is claimed, with the backbone's hash, before the first step
        PausePoints.reach("started", done);
        try (Caches caches = buildCaches(model, run.base())) {
            for (int epoch = done; epoch < cfg.epochs(); epoch++) {
                EpochMetrics m = trainEpoch(model, optimizer, schedule.lr(epoch), epoch, caches, run.base());
                try {
                    m = evaluate(model, m, epoch, caches, run.base());
                } catch (NonFiniteException e) {
                    throw new NonFiniteException(atEpoch(epoch) + ": " + e.getMessage() + keptCheckpoint(epoch));
                }
                Map<String, RawTensor> tensors = stateTensors(model, optimizer);
                String bad = FiniteChecks.problem(tensors);
                if (bad != null) {
                    throw new NonFiniteException(atEpoch(epoch) + ": the trained values are no longer usable numbers ("
                            + bad + ")" + keptCheckpoint(epoch));
                }
                epochs.add(m);
                boolean last = epoch == cfg.epochs() - 1;
                record = record(last ? RunRecord.FINISHED : RunRecord.RUNNING, null, run, last ? Instant.now().toString() : null,
                        epochs);
                run.folder().write(record);
                PausePoints.reach("record-written", epoch + 1);
                Safetensors.write(state, tensors, Map.of("epochs_done", String.valueOf(epoch + 1), "optimizer", optimizer.describe()));
                PausePoints.reach("state-written", epoch + 1);
                progress.endEpoch(m);
            }
        }
        model.saveTrainable(runDir.resolve(TRAINABLE_FILE));
        return record;
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

    private static int epochsDone(Path state) {
        String v = Safetensors.read(state).metadata().get("epochs_done");
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new RunFolderException(state + ": epochs_done is '" + v + "', not a number of epochs");
        }
    }

    private static void loadState(Path state, PromptedVit model, Optimizer optimizer) {
        Map<String, RawTensor> trainables = new LinkedHashMap<>();
        Map<String, RawTensor> optim = new LinkedHashMap<>();
        Safetensors.read(state).tensors().forEach((k, v) -> {
            if (k.startsWith("param/")) {
                trainables.put(k.substring(6), v);
            } else if (k.startsWith("optim/")) {
                optim.put(k.substring(6), v);
            }
        });
        model.loadTrainable(trainables, state.toString());
        optimizer.loadState(optim, state.toString());
    }

    /** "epoch 3/12", counted from 1 as the progress line counts. */
    private String atEpoch(int epoch) {
        return "epoch " + (epoch + 1) + "/" + cfg.epochs();
    }

    private static String keptCheckpoint(int epoch) {
        return epoch == 0 ? "; the run stops before its first checkpoint"
                : "; the run stops and keeps its last good checkpoint (after epoch " + epoch + ")";
    }

    /** Marks the record failed with {@code e}'s reason; never hides {@code e} (a failure here is attached to it). */
    private static void markFailed(RunFolder folder, double wall, Throwable e) {
        try {
            if (Files.exists(folder.file(RunFolder.RECORD_FILE))) {
                RunRecord old = folder.read();
                String reason = e instanceof VptlabException ? e.getMessage() : e.getClass().getName() + ": " + e.getMessage();
                folder.write(old.ended(RunRecord.FAILED, reason, wall));
            }
        } catch (RuntimeException f) {
            e.addSuppressed(f);
        }
    }

    /** The frozen-prefix caches of the splits, when the method and the transforms allow them. */
    record Caches(PrefixCache train, PrefixCache val, PrefixCache test, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (!owned) {
                return; // the shared caches outlive the run
            }
            for (PrefixCache c : new PrefixCache[] {train, val, test}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private Caches buildCaches(PromptedVit model, NDManager base) {
        int k = model.method().firstTrainableBlock();
        if (!cfg.prefixCache() || k == 0) {
            if (shared != null) {
                shared.keepOnly(Set.of()); // a run without caches ends the series' use of the earlier ones
            }
            return new Caches(null, null, null, true);
        }
        // Only splits this run will evaluate are worth their cache.
        ImageDataset val = cfg.valEvery() > 0 ? data.val() : null;
        ImageDataset test = cfg.testEvery() > 0 ? data.test() : null;
        if (shared != null) {
            shared.keepOnly(Stream.of(data.train(), val, test).filter(Objects::nonNull).collect(Collectors.toSet()));
        }
        PrefixCache[] built = new PrefixCache[3];
        ImageDataset[] splits = {data.train(), val, test};
        try {
            for (int i = 0; i < 3; i++) {
                built[i] = cache(model, splits[i], k, base);
            }
        } catch (RuntimeException e) {
            new Caches(built[0], built[1], built[2], shared == null).close(); // those of its own that were made
            throw e;
        }
        return new Caches(built[0], built[1], built[2], shared == null);
    }

    private PrefixCache cache(PromptedVit model, ImageDataset d, int k, NDManager base) {
        if (d == null || !d.deterministic()) {
            return null;
        }
        String backbone = shared == null ? null : backboneIdentity();
        if (shared != null && shared.holds(backbone, d, k)) {
            return shared.get(backbone, model, d, k, base); // reused or carried on: no new memory
        }
        if (shared != null) {
            shared.release(d); // a stale cache of this split still holds memory or disk that the check below counts
        }
        VitConfig vc = model.backbone().config();
        long bytes = PrefixCache.bytesFor(d.size(), vc.numTokens(), vc.embedDim());
        String unavailable = PrefixCache.unavailable(bytes);
        if (unavailable != null) {
            // The uncached path computes the same thing, only slower.
            progress.message("not caching the prefix of " + d.name() + ": " + unavailable);
            return null;
        }
        if (PrefixCache.fileBacked(bytes)) {
            progress.message("caching the prefix of " + d.name() + " (" + (bytes >> 20) + " MiB) in a memory-mapped file under "
                    + PrefixCache.spillDirectory());
        }
        return shared != null ? shared.get(backbone, model, d, k, base) : PrefixCache.build(model, d, k, PrefixCache.BATCH, base);
    }

    /** The backbone file as the shared caches know it: a changed file is another backbone. */
    private String backboneIdentity() {
        Path p = Path.of(cfg.backbone()).toAbsolutePath().normalize();
        try {
            return p + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis() + "|" + cfg.heads();
        } catch (IOException e) {
            throw new VptlabException(p + ": cannot read the backbone file (" + e.getMessage() + ")", e);
        }
    }

    private EpochMetrics trainEpoch(PromptedVit model, Optimizer optimizer, double lr, int epoch, Caches caches, NDManager base) {
        ImageDataset train = data.train();
        int n = train.size();
        int bs = cfg.batchSize();
        int steps = cfg.dropLast() ? n / bs : (n + bs - 1) / bs;
        int[] order = Seeds.shuffle(n, new Random(Seeds.mix(cfg.seed(), epoch, -1)));
        Map<String, NDArray> params = model.trainableParameters();
        progress.startEpoch(epoch, cfg.epochs(), steps);
        // Images that must be decoded every epoch are prepared one batch ahead on another thread, so the
        // step never waits for decoding (cached splits and prefix caches come from memory).
        boolean prefetch = caches.train() == null && !Batches.inMemory(train);
        final int ep = epoch;
        java.util.function.IntFunction<int[]> batchIdx = s -> java.util.Arrays.copyOfRange(order, s * bs, Math.min(n, (s + 1) * bs));
        java.util.function.IntFunction<java.util.concurrent.Future<Batches.HostBatch>> decodeAhead = s -> PREFETCH.submit(
                () -> Batches.decode(train, batchIdx.apply(s), i -> new Random(Seeds.mix(cfg.seed(), ep, i) ^ 0x5DEECE66DL)));
        java.util.concurrent.Future<Batches.HostBatch> next = prefetch ? decodeAhead.apply(0) : null;
        double lossSum = 0;
        long[] correct = {0};
        long seen = 0;
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            int[] idx = batchIdx.apply(s);
            Batches.HostBatch decoded = null;
            if (prefetch) {
                decoded = await(next);
                next = s + 1 < steps ? decodeAhead.apply(s + 1) : null;
            }
            try (NDManager step = base.newSubManager()) {
                final int st = s;
                final Batches.HostBatch ready = decoded;
                NDArray[] logits = new NDArray[1];
                NDArray[] target = new NDArray[1];
                float loss = TrainStep.run((int) Seeds.mix(cfg.seed(), epoch, s), () -> {
                    NDArray input = caches.train() != null ? caches.train().batch(step, idx)
                            : ready != null ? Batches.toArray(step, ready)
                            : Batches.images(step, train, idx, i -> new Random(Seeds.mix(cfg.seed(), ep, i) ^ 0x5DEECE66DL));
                    logits[0] = caches.train() != null ? model.forwardFrom(caches.train().block(), input, true)
                            : model.forward(input, true);
                    target[0] = task.target(step, train, idx);
                    return task.loss(logits[0], target[0]);
                }, () -> correct[0] += task.correct(logits[0], target[0]), l -> new NonFiniteLossException(atEpoch(ep) + ", step " + (st + 1) + "/" + steps + ": non-finite loss ("
                        + l + ")" + keptCheckpoint(ep)), () -> optimizer.step(params, lr));
                observer.afterStep((long) epoch * steps + s, base);
                lossSum += loss * idx.length;
                seen += idx.length;
                double secs = (System.nanoTime() - t0) / 1e9;
                progress.step(s + 1, lossSum / seen, 100.0 * correct[0] / seen, seen / secs);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new EpochMetrics(epoch, lr, lossSum / seen, 100.0 * correct[0] / seen, secs, seen / secs, null, null);
    }

    private EpochMetrics evaluate(PromptedVit model, EpochMetrics m, int epoch, Caches caches, NDManager base) {
        boolean last = epoch == cfg.epochs() - 1;
        int evalBatch = Math.max(cfg.batchSize(), 64);
        EvalResult val = null;
        EvalResult test = null;
        if (data.val() != null && cfg.valEvery() > 0 && ((epoch + 1) % cfg.valEvery() == 0 || last)) {
            val = Evaluator.evaluate(task, "val", model, data.val(), evalBatch, caches.val(), base);
        }
        if (data.test() != null && cfg.testEvery() > 0 && ((epoch + 1) % cfg.testEvery() == 0 || last)) {
            test = Evaluator.evaluate(task, "test", model, data.test(), evalBatch, caches.test(), base);
        }
        return new EpochMetrics(m.epoch(), m.lr(), m.trainLoss(), m.trainTop1(), m.seconds(), m.imagesPerSecond(), val, test);
    }

    private RunRecord record(String status, String failure, Run run, String finished, List<EpochMetrics> epochs) {
        Map<String, String> versions = new LinkedHashMap<>();
        String v = Trainer.class.getPackage().getImplementationVersion();
        versions.put("vptlab", v == null ? "dev" : v);
        versions.put("djl", Engine.getDjlVersion());
        versions.put("pytorch", Engine.getInstance().getVersion());
        versions.put("java", System.getProperty("java.version"));
        return new RunRecord(runDir.getFileName().toString(), status, failure, cfg.toMap(), run.backboneHash(), run.changes(),
                cfg.seed(), versions, run.base().getDevice().toString(), run.model().trainableCount(), run.model().totalCount(),
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

    /** The checkpoint's tensors: trainable parameters as {@code param/...}, optimizer state as {@code optim/...}. */
    private static Map<String, RawTensor> stateTensors(PromptedVit model, Optimizer optimizer) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, a) -> out.put("param/" + k, RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray())));
        optimizer.state().forEach((k, t) -> out.put("optim/" + k, t));
        return out;
    }

    /** One background thread per JVM decodes the next batch (its parallel decode uses the common pool). */
    private static final java.util.concurrent.ExecutorService PREFETCH = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vptlab-prefetch");
        t.setDaemon(true);
        return t;
    });

    private static Batches.HostBatch await(java.util.concurrent.Future<Batches.HostBatch> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VptlabException("interrupted while decoding a batch", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new VptlabException("decoding a batch failed: " + e.getCause(), e.getCause());
        }
    }


}
