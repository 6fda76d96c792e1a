package dev.vptlab.train;

import dev.vptlab.data.Splits;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.data.Batches;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.task.EvalResult;
import dev.vptlab.task.Task;
import dev.vptlab.util.ExitGuard;
import dev.vptlab.util.Seeds;
import java.util.Map;
import java.util.Random;

/**
 * One epoch of a run: the seeded shuffle, batches decoded one step ahead on another thread when they are not in
 * memory, one {@link TrainStep} per batch with the task's target, loss and training metric; then the scheduled
 * evaluations of val and test.
 */
final class Epochs {
    private final RunConfig cfg;
    private final Splits data;
    private final Task task;
    private final Progress progress;
    private final Trainer.StepObserver observer;

    Epochs(RunConfig cfg, Splits data, Task task, Progress progress, Trainer.StepObserver observer) {
        this.cfg = cfg;
        this.data = data;
        this.task = task;
        this.progress = progress;
        this.observer = observer;
    }

    EpochMetrics train(PromptedVit model, Optimizer optimizer, double lr, int epoch, RunCaches.Caches caches, NDManager base) {
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
            try (ExitGuard.Hold exit = ExitGuard.hold(); NDManager step = base.newSubManager()) {
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

    EpochMetrics evaluate(PromptedVit model, EpochMetrics m, int epoch, RunCaches.Caches caches, NDManager base) {
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



    /** "epoch 3/12", counted from 1 as the progress line counts. */
    String atEpoch(int epoch) {
        return "epoch " + (epoch + 1) + "/" + cfg.epochs();
    }

    static String keptCheckpoint(int epoch) {
        return epoch == 0 ? "; the run stops before its first checkpoint"
                : "; the run stops and keeps its last good checkpoint (after epoch " + epoch + ")";
    }
}
