package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.data.SegSample;
import dev.vptlab.task.EvalResult;
import dev.vptlab.train.EpochMetrics;
import dev.vptlab.train.NonFiniteException;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunFolderException;
import dev.vptlab.train.RunLock;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.Sgd;
import dev.vptlab.train.TrainStep;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.util.Csv;
import dev.vptlab.util.ExitGuard;
import dev.vptlab.util.FileHash;
import dev.vptlab.util.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Trains a segmentation run for {@link SegConfig#iterations()} steps as mmseg's {@code IterBasedRunner} does: SGD
 * with one learning rate per tensor group (×{@link SegConfig#headLrMult()} where the name holds "head"), the poly
 * schedule set before every iteration ({@link PolyLr}), decode loss + {@link SegConfig#auxWeight()} × each auxiliary
 * loss ({@link PixelLoss}); every {@link SegConfig#evalEvery()} iterations and at the end the test split is scored
 * ({@link SegEvaluator}) and the run folder written as a classification run's is: {@code record.json} and
 * {@code metrics.csv} (one entry per evaluation period), then {@code state.safetensors} (trainable tensors, BN
 * statistics, momentum buffers; {@code periods_done} is the authority), each atomically, under the folder's
 * {@link RunLock}; {@code class_iou.csv} holds the latest per-class IoU.
 *
 * <p>Reproducible without saving generator state: sample order is a permutation per pass over the data seeded by
 * (seed, pass), each sample's augmentation by (seed, iteration, slot), the engine's generator by (seed, iteration); a
 * resumed run draws what an uninterrupted one draws. Samples of the next batch are prepared on worker threads while
 * the current step runs.
 */
public final class SegTrainer {
    public static final String STATE_FILE = "state.safetensors";
    public static final String TRAINABLE_FILE = "trainable.safetensors";
    public static final String CLASS_IOU_FILE = "class_iou.csv";
    private static final String PERIODS_DONE = "periods_done";

    private final SegConfig cfg;
    private final SegData train;
    private final SegData test;
    private final Path runDir;
    private final Progress progress;
    private final List<String> classNames;

    /**
     * @param classNames one name per class, for {@link #CLASS_IOU_FILE}
     */
    public SegTrainer(SegConfig cfg, SegData train, SegData test, List<String> classNames, Path runDir, Progress progress) {
        this.cfg = cfg;
        this.train = train;
        this.test = test;
        this.classNames = List.copyOf(classNames);
        this.runDir = runDir;
        this.progress = progress;
        validate();
    }

    /** Everything checkable before a step runs, so that bad input fails before any training. */
    private void validate() {
        if (train.size() == 0) {
            throw new VptlabException(train.name() + ": the training split is empty");
        }
        if (test.size() == 0) {
            throw new VptlabException(test.name() + ": the evaluation split is empty");
        }
        if (cfg.batchSize() > train.size()) {
            throw new VptlabException("batch size " + cfg.batchSize() + " is larger than the training split " + train.name()
                    + " (" + train.size() + " images)");
        }
        for (SegData d : List.of(train, test)) {
            if (d.classes() != cfg.classes()) {
                throw new VptlabException(d.name() + " has " + d.classes() + " classes, the config says " + cfg.classes());
            }
        }
        if (classNames.size() != cfg.classes()) {
            throw new VptlabException(classNames.size() + " class names for " + cfg.classes() + " classes");
        }
        if (cfg.backbone() == null || !Files.isRegularFile(Path.of(cfg.backbone()))) {
            throw new VptlabException("backbone checkpoint not found: " + cfg.backbone());
        }
        train.check();
        test.check();
    }

    /** Trains from scratch, or continues from the folder's last checkpoint when {@code resume}. */
    public RunRecord run(boolean resume) {
        return RunFolder.underLock(runDir, resume, progress, this::runLocked);
    }

    private RunRecord runLocked(RunFolder folder, boolean resume) {
        Path state = runDir.resolve(STATE_FILE);
        RunRecord old = folder.previous(resume);
        String backboneHash = FileHash.sha256(Path.of(cfg.backbone()));
        int done = 0;
        if (old != null) {
            Map<String, Object> mine = cfg.recorded();
            if (!mine.equals(old.config())) {
                List<String> diff = new ArrayList<>();
                mine.forEach((k, v) -> {
                    if (!java.util.Objects.equals(v, old.config().get(k))) {
                        diff.add(k + ": " + old.config().get(k) + " -> " + v);
                    }
                });
                throw new RunFolderException(runDir + ": cannot resume, the config differs from the checkpoint's: "
                        + String.join("; ", diff));
            }
            if (old.backboneSha256() != null && !old.backboneSha256().equals(backboneHash)) {
                throw new RunFolderException(runDir + ": cannot resume, the backbone " + cfg.backbone()
                        + " is not the file the run was trained on (SHA-256 differs)");
            }
            done = Files.exists(state) ? periodsDone(state) : 0;
            if (done > old.epochs().size()) {
                throw new RunFolderException(state + " says " + done + " periods are done but the record holds only "
                        + old.epochs().size() + "; the folder was changed by hand");
            }
        }
        long t0 = System.nanoTime();
        double previousWall = old == null ? 0 : old.wallSeconds();
        String started = old == null ? Instant.now().toString() : old.startedAt();
        try (NDManager base = NDManager.newBaseManager()) {
            try {
                SegModel model = SegModel.build(cfg, train.channels(), base);
                Sgd sgd = new Sgd(cfg.momentum(), cfg.weightDecay());
                List<EpochMetrics> periods = new ArrayList<>();
                if (done > 0) {
                    Map<String, RawTensor> params = new LinkedHashMap<>();
                    Map<String, RawTensor> optim = new LinkedHashMap<>();
                    Safetensors.read(state).tensors().forEach((k, v) -> {
                        if (k.startsWith("optim/")) {
                            optim.put(k.substring(6), v);
                        } else if (k.startsWith("param/")) {
                            params.put(k.substring(6), v);
                        }
                    });
                    model.load(params, state.toString());
                    sgd.loadState(optim, state.toString());
                    periods.addAll(old.epochs().subList(0, done));
                    progress.message("resuming " + runDir + " after " + Math.min(cfg.iterations(), done * cfg.evalEvery())
                            + " of " + cfg.iterations() + " iterations");
                }
                Ctx ctx = new Ctx(folder, started, previousWall, t0, backboneHash, model, base);
                return train(ctx, state, sgd, periods, done, old);
            } catch (RuntimeException | Error e) {
                folder.markFailed(previousWall + (System.nanoTime() - t0) / 1e9, e);
                throw e;
            }
        }
    }

    private record Ctx(RunFolder folder, String started, double previousWall, long t0, String backboneHash, SegModel model,
            NDManager base) {
        double wall() {
            return previousWall + (System.nanoTime() - t0) / 1e9;
        }
    }

    private static int periodsDone(Path state) {
        String v = Safetensors.read(state).metadata().get(PERIODS_DONE);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new RunFolderException(state + ": " + PERIODS_DONE + " is '" + v + "', not a number");
        }
    }

    private RunRecord train(Ctx ctx, Path state, Sgd sgd, List<EpochMetrics> periods, int done, RunRecord old) {
        SegModel model = ctx.model();
        int total = cfg.periods();
        if (done == total && old.status().equals(RunRecord.FINISHED)) {
            saveTrainable(model); // the same bytes again
            return old;
        }
        RunRecord record = record(RunRecord.RUNNING, ctx, null, periods);
        ctx.folder().write(record);
        Map<String, NDArray> headParams = new LinkedHashMap<>();
        Map<String, NDArray> otherParams = new LinkedHashMap<>();
        // mmseg paramwise_cfg custom_keys {'head': lr_mult 10}: every tensor whose name holds "head".
        model.trainableParameters().forEach((k, a) -> (k.contains("head") ? headParams : otherParams).put(k, a));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(cfg.batchSize(),
                Runtime.getRuntime().availableProcessors())), r -> {
                    Thread t = new Thread(r, "seg-pipeline");
                    t.setDaemon(true);
                    return t;
                });
        try {
            for (int p = done; p < total; p++) {
                long from = p * cfg.evalEvery();
                long to = Math.min(cfg.iterations(), from + cfg.evalEvery());
                progress.startEpoch(p, total, (int) (to - from));
                long start = System.nanoTime();
                double lossSum = 0;
                long[] pixels = new long[2];
                CompletableFuture<SegSample[]> next = load(pool, from);
                for (long t = from; t < to; t++) {
                    SegSample[] batch = next.join();
                    next = t + 1 < to ? load(pool, t + 1) : null;
                    double lrBase = PolyLr.lr(cfg.lr(), t, cfg.iterations());
                    double lrHead = PolyLr.lr(cfg.lr() * cfg.headLrMult(), t, cfg.iterations());
                    long it = t;
                    float loss = TrainStep.run((int) Seeds.mix(cfg.seed(), 7, t), () -> step(model, batch, pixels, ctx.base()),
                            TrainStep.nonFinite(() -> "iteration " + (it + 1)), () -> {
                                sgd.step(otherParams, lrBase);
                                sgd.step(headParams, lrHead);
                            });
                    lossSum += loss;
                    double secs = (System.nanoTime() - start) / 1e9;
                    progress.step((int) (t - from + 1), lossSum / (t - from + 1), 100.0 * pixels[0] / Math.max(1, pixels[1]),
                            (t - from + 1) * cfg.batchSize() / secs);
                }
                double secs = (System.nanoTime() - start) / 1e9;
                MeanIou iou = SegEvaluator.evaluate(model, test, cfg.crop(), cfg.stride(), false, cfg.batchSize(), ctx.base(), null);
                boolean val = SegConfig.VAL.equals(cfg.evalSplit());
                EvalResult result = EvalResult.segmentation(cfg.evalSplit(), test.size(), 100 * iou.miou(), 100 * iou.aAcc());
                if (!Double.isFinite(result.miou())) {
                    throw new NonFiniteException("period " + (p + 1) + ": the mIoU is not a number");
                }
                EpochMetrics m = new EpochMetrics(p, PolyLr.lr(cfg.lr(), from, cfg.iterations()), lossSum / (to - from),
                        100.0 * pixels[0] / Math.max(1, pixels[1]), secs, (to - from) * cfg.batchSize() / secs, val ? result : null,
                        val ? null : result);
                periods.add(m);
                Map<String, RawTensor> tensors = new LinkedHashMap<>();
                try (ExitGuard.Hold exit = ExitGuard.hold()) {
                    model.tensors().forEach((k, v) -> tensors.put("param/" + k, v));
                    sgd.state().forEach((k, v) -> tensors.put("optim/" + k, v));
                }
                AtomicFiles.writeString(runDir.resolve(CLASS_IOU_FILE), classIouCsv(iou));
                boolean last = p == total - 1;
                if (last) {
                    // before the record that says finished: a stop at any point never leaves a finished record
                    // without them (reproduce reuses a finished run as it is)
                    if (cfg.multiScale()) {
                        multiScale(model, ctx.base());
                    }
                    saveTrainable(model);
                }
                record = record(last ? RunRecord.FINISHED : RunRecord.RUNNING, ctx, last ? Instant.now().toString() : null, periods);
                ctx.folder().write(record);
                Safetensors.write(state, tensors, Map.of(PERIODS_DONE, String.valueOf(p + 1), "iterations_done",
                        String.valueOf(to), "optimizer", sgd.describe()));
                progress.endEpoch(m);
            }
        } finally {
            pool.shutdownNow();
        }
        return record;
    }

    private void saveTrainable(SegModel model) {
        try (ExitGuard.Hold exit = ExitGuard.hold()) {
            model.save(runDir.resolve(TRAINABLE_FILE));
        }
    }

    /** File of the multi-scale evaluation: mIoU and aAcc (percent) and the split, one JSON object. */
    public static final String MULTI_SCALE_FILE = "miou_ms.json";

    /** Multi-scale + flip evaluation of the trained model: {@link #MULTI_SCALE_FILE} and {@code class_iou_ms.csv}. */
    private void multiScale(SegModel model, NDManager base) {
        progress.message("multi-scale evaluation (" + SegEvaluator.MS_RATIOS.size() + " ratios x flip) on " + test.name());
        MeanIou iou = SegEvaluator.evaluate(model, test, cfg.crop(), cfg.stride(), true, 1, base, null);
        AtomicFiles.writeString(runDir.resolve("class_iou_ms.csv"), classIouCsv(iou));
        AtomicFiles.writeString(runDir.resolve(MULTI_SCALE_FILE), String.format(java.util.Locale.ROOT,
                "{\n  \"split\": \"%s\",\n  \"images\": %d,\n  \"miou\": %s,\n  \"aacc\": %s\n}\n", test.name(), test.size(),
                Double.toString(100 * iou.miou()), Double.toString(100 * iou.aAcc())));
    }

    /** Opens the config's task and trains it into {@code runDir}. */
    public static RunRecord train(SegConfig cfg, Path dataRoot, Path runDir, Progress progress, boolean resume) {
        SegTasks.Splits s = SegTasks.open(cfg, cfg.data() != null ? Path.of(cfg.data()) : dataRoot);
        return new SegTrainer(cfg, s.train(), s.test(), s.classNames(), runDir, progress).run(resume);
    }

    /** One iteration's loss: decode CE + auxWeight × each auxiliary CE; counts labelled pixels the decode head gets right. */
    private NDArray step(SegModel model, SegSample[] batch, long[] pixels, NDManager m) {
        int c = train.channels();
        int side = cfg.crop();
        float[] x = new float[batch.length * c * side * side];
        long[] y = new long[batch.length * side * side];
        for (int b = 0; b < batch.length; b++) {
            System.arraycopy(batch[b].image(), 0, x, b * c * side * side, c * side * side);
            int[] l = batch[b].label();
            for (int k = 0; k < l.length; k++) {
                y[b * side * side + k] = l[k];
            }
        }
        NDArray images = m.create(x, new Shape(batch.length, c, side, side));
        NDArray labels = m.create(y, new Shape(batch.length, side, side));
        NDList out = model.forwardTrain(images);
        NDArray loss = PixelLoss.crossEntropy(out.get(0), labels);
        for (int j = 1; j < out.size(); j++) {
            loss = loss.add(PixelLoss.crossEntropy(out.get(j), labels).mul(PixelLoss.weight(m, cfg.auxWeight())));
        }
        // Counted on the device: only two numbers come back, not B·H·W predictions (16 × 512² on ADE20K).
        NDArray valid = labels.neq(PixelLoss.IGNORE);
        pixels[0] += out.get(0).argMax(1).eq(labels).logicalAnd(valid).toType(DataType.INT64, false).sum().getLong();
        pixels[1] += valid.toType(DataType.INT64, false).sum().getLong();
        return loss;
    }

    /** The samples of iteration t, prepared in parallel; each from its own generator, so the order of work is free. */
    private CompletableFuture<SegSample[]> load(ExecutorService pool, long t) {
        int n = train.size();
        int bs = cfg.batchSize();
        List<CompletableFuture<SegSample>> parts = new ArrayList<>();
        for (int slot = 0; slot < bs; slot++) {
            long global = t * bs + slot;
            long pass = global / n;
            int index = permutation(pass)[(int) (global % n)];
            SplittableRandom rng = new SplittableRandom(Seeds.mix(cfg.seed(), 11, t, slot));
            parts.add(CompletableFuture.supplyAsync(() -> checked(train.train(index, rng)), pool));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().map(CompletableFuture::join).toArray(SegSample[]::new));
    }

    private SegSample checked(SegSample s) {
        if (s.height() != cfg.crop() || s.width() != cfg.crop()) {
            throw new VptlabException(train.name() + ": a training sample is " + s.height() + "x" + s.width() + ", not the crop "
                    + cfg.crop() + "x" + cfg.crop());
        }
        return s;
    }

    private long cachedPass = -1;
    private int[] cachedPermutation;

    /** The order of pass {@code pass} over the training split (mmseg's infinite sampler shuffles every pass). */
    private synchronized int[] permutation(long pass) {
        if (pass != cachedPass) {
            cachedPermutation = Seeds.shuffle(train.size(), new Random(Seeds.mix(cfg.seed(), 13, pass)));
            cachedPass = pass;
        }
        return cachedPermutation;
    }

    private String classIouCsv(MeanIou iou) {
        StringBuilder sb = new StringBuilder(Csv.line("class", "name", "iou", "intersection", "union"));
        double[] v = iou.iou();
        for (int c = 0; c < v.length; c++) {
            sb.append(Csv.line(String.valueOf(c), classNames.get(c), Csv.number(100 * v[c]),
                    String.valueOf((long) iou.intersection()[c]), String.valueOf((long) iou.union()[c])));
        }
        return sb.toString();
    }

    private RunRecord record(String status, Ctx ctx, String finished, List<EpochMetrics> periods) {
        return new RunRecord(runDir.getFileName().toString(), status, null, cfg.toMap(), ctx.backboneHash(), List.of(),
                cfg.seed(), RunFolder.versions(), ctx.base().getDevice().toString(), ctx.model().trainableCount(),
                ctx.model().totalCount(), ctx.started(), finished, ctx.wall(), List.copyOf(periods), List.of());
    }

}
