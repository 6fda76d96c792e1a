package dev.vptlab.ssl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.vptlab.train.TrainStep;
import dev.vptlab.VptlabException;
import dev.vptlab.model.VitConfig;
import dev.vptlab.train.AdamW;
import dev.vptlab.train.GatedCosineSchedule;
import dev.vptlab.train.NonFiniteLossException;
import dev.vptlab.train.Schedules;
import dev.vptlab.util.ExitGuard;
import dev.vptlab.util.Seeds;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The training loop shared by MAE, MoCo v3 and the supervised baseline.
 *
 * <ul>
 *   <li>Initialisation: the engine is seeded with the run's seed before the method builds its modules.</li>
 *   <li>Data: the images are shuffled per epoch from (seed, epoch); incomplete last batches are dropped.</li>
 *   <li>Optimiser: vptlab's PyTorch-exact {@link AdamW}, β1 0.9, the method's β2, two parameter groups as
 *       MAE's {@code add_weight_decay}: tensors of rank ≥ 2 decayed, biases, norms, tokens and position
 *       embeddings not.</li>
 *   <li>Schedule: per step, linear warm-up from 0 then a half cosine to 0 (MAE's
 *       {@code adjust_learning_rate} with min_lr 0, evaluated at step granularity), reusing
 *       {@link GatedCosineSchedule} with steps in place of epochs.</li>
 *   <li>Memory: every step runs in its own sub-manager and {@link NDScope}; the optimiser steps after the
 *       scope has closed.</li>
 *   <li>Randomness in the step (masks): the engine is re-seeded from (seed, step) before each step.</li>
 * </ul>
 */
public final class Pretrainer implements AutoCloseable {
    /** Builds a method's modules on the given manager (called once, right after seeding the engine). */
    @FunctionalInterface
    public interface MethodFactory {
        PretrainingMethod create(VitConfig config, NDManager manager);
    }

    private final PretrainOptions options;
    private final FashionMnistImages data;
    private final NDManager base;
    private final PretrainingMethod method;
    private final PrintStream log;
    private PretrainResult result;

    /**
     * @param log progress lines go here (may be null)
     */
    public Pretrainer(PretrainOptions options, FashionMnistImages data, VitConfig config, MethodFactory factory,
            PrintStream log) {
        if (options.batchSize() > data.size()) {
            throw new VptlabException("batch size " + options.batchSize() + " is larger than the " + data.size()
                    + " training images");
        }
        this.options = options;
        this.data = data;
        this.log = log;
        this.base = NDManager.newBaseManager();
        try {
            Engine.getInstance().setRandomSeed((int) options.seed());
            this.method = factory.create(config, base);
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    public PretrainingMethod method() {
        return method;
    }

    public PretrainOptions options() {
        return options;
    }

    /** Steps per epoch (incomplete batches dropped). */
    public int stepsPerEpoch() {
        return data.size() / options.batchSize();
    }

    /** Trains for the configured epochs; may be called once. */
    public PretrainResult train() {
        if (result != null) {
            throw new IllegalStateException("already trained");
        }
        int perEpoch = stepsPerEpoch();
        long total = (long) perEpoch * options.epochs();
        int warmup = (int) Math.round(options.warmupFraction() * total);
        GatedCosineSchedule schedule = Schedules.gatedCosine(options.lr(), warmup, (int) total, true);
        Map<String, NDArray> decay = new LinkedHashMap<>();
        Map<String, NDArray> noDecay = new LinkedHashMap<>();
        method.trainableParameters().forEach((name, a) -> (decays(name, a) ? decay : noDecay).put(name, a));
        AdamW decayed = new AdamW(0.9, options.beta2(), 1e-8, options.weightDecay());
        AdamW plain = new AdamW(0.9, options.beta2(), 1e-8, 0.0);

        List<Float> losses = new ArrayList<>();
        List<Double> epochLosses = new ArrayList<>();
        long t0 = System.nanoTime();
        long step = 0;
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            int[] order = Seeds.shuffle(data.size(), new Random(Seeds.mix(options.seed(), epoch, -1, -1)));
            double sum = 0;
            for (int s = 0; s < perEpoch; s++, step++) {
                int[] idx = java.util.Arrays.copyOfRange(order, s * options.batchSize(), (s + 1) * options.batchSize());
                double lr = schedule.lr((int) step);
                float loss;
                try (ExitGuard.Hold exit = ExitGuard.hold(); NDManager stepManager = base.newSubManager()) {
                    method.beforeStep(step, total);
                    final long st = step;
                    final int ep = epoch;
                    loss = TrainStep.run((int) Seeds.mix(options.seed(), step, -2, -2),
                            () -> method.loss(new Batch(stepManager, data, idx, options.seed(), st)),
                            l -> new NonFiniteLossException(method.id() + ": non-finite loss (" + l + ") at step " + st
                                    + " (epoch " + ep + ")"), () -> {
                                decayed.step(decay, lr);
                                plain.step(noDecay, lr);
                            });
                }
                losses.add(loss);
                sum += loss;
                if (log != null && options.logEvery() > 0 && ((step + 1) % options.logEvery() == 0 || step + 1 == total)) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    log.printf("%s epoch %d step %d/%d  loss %.4f  lr %.3g  %.0f img/s%n", method.id(), epoch + 1, step + 1,
                            total, loss, lr, (step + 1) * options.batchSize() / secs);
                }
            }
            epochLosses.add(sum / perEpoch);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        int window = Math.min(PretrainResult.FINAL_WINDOW, losses.size());
        double fin = 0;
        for (int i = losses.size() - window; i < losses.size(); i++) {
            fin += losses.get(i);
        }
        fin /= window;
        result = new PretrainResult(method.id(), options.epochs(), total, data.size(), List.copyOf(losses),
                List.copyOf(epochLosses), fin, wall);
        return result;
    }

    /**
     * Writes the trunk (and only the trunk) to {@code file} and its manifest beside it; see {@link TrunkFile}.
     *
     * @param command the command line that produced it, for the manifest
     */
    public void save(Path file, String command) {
        save(file, command, Map.of());
    }

    /** As {@link #save(Path, String)}, with extra manifest entries after the command. */
    public void save(Path file, String command, Map<String, ?> extra) {
        if (result == null) {
            throw new IllegalStateException("train() first");
        }
        TrunkFile.write(file, method.trunk(), method.probePooling(), result, options, command, extra);
    }

    /** MAE / timm {@code add_weight_decay}: no decay for rank ≤ 1 tensors and the token/position tensors. */
    static boolean decays(String name, NDArray a) {
        return a.getShape().dimension() >= 2 && !name.endsWith("token") && !name.endsWith("pos_embed");
    }

    @Override
    public void close() {
        base.close();
    }

}
