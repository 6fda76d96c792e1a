package dev.vptlab.report;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.VptlabException;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.task.Classification;
import dev.vptlab.train.TrainStep;
import dev.vptlab.train.Optimizer;
import dev.vptlab.train.Sgd;
import dev.vptlab.util.ExitGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The speed measurement shared by {@code vptlab bench} ({@link FreshJvmBench}) and {@link Efficiency}: training
 * and evaluation throughput of one configuration, in this JVM, on the engine's default device. The row
 * {@code vptlab bench} prints is {@link BenchRow}.
 *
 * <p>What is timed: on a random trunk (speed does not depend on the weights) and one fixed random batch,
 * {@code warmup} untimed steps, then {@code steps} timed ones; each step is one training step (forward with
 * prompt dropout and drop-path on, cross-entropy, backward, SGD update of the trainable tensors) followed by
 * one evaluation forward (logits copied to the host). Throughput is {@code batch / median(step seconds)}.
 * Every step's arrays live in a sub-manager and an {@link NDScope}, both closed at the end of the step, so
 * nothing accumulates across steps.
 */
public final class Bench {
    private Bench() {}

    /**
     * One measurement.
     *
     * @param device the engine's device, e.g. {@code cpu} or {@code gpu0}
     * @param deviceMemoryMiB on a GPU, the memory in use on the whole device (CUDA's free/total) read after the
     *     last timed step, before anything is released: the CUDA context plus what PyTorch's caching allocator
     *     holds (it keeps its peak reservation) plus any other process on that GPU; NaN on a CPU
     */
    public record Result(String device, int batch, double trainImagesPerSecond, double evalImagesPerSecond,
            double deviceMemoryMiB, long trainableParameters) {}

    /** Measures {@code method} on a random {@code config} trunk with a {@code classes}-way head. */
    public static Result run(VitConfig config, MethodConfig method, int batch, int classes, int warmup, int steps) {
        if (batch < 1 || steps < 1 || warmup < 0 || classes < 1) {
            throw new VptlabException("bench: need batch >= 1, steps >= 1, warmup >= 0 and classes >= 1, got batch " + batch
                    + ", steps " + steps + ", warmup " + warmup + ", classes " + classes);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            VisionTransformer vit = VisionTransformer.create(config, m);
            PromptedVit model = method.model(vit, m, Pooling.CLS, classes);
            Optimizer opt = new Sgd(0.9, 0);
            NDArray images = m.randomNormal(new Shape(batch, config.inChannels(), config.imageSize(), config.imageSize()));
            NDArray labels = m.randomInteger(0, classes, new Shape(batch), DataType.INT64);
            double[] train = new double[steps];
            double[] eval = new double[steps];
            for (int i = -warmup; i < steps; i++) {
                long t0 = System.nanoTime();
                try (NDManager s = m.newSubManager()) {
                    TrainStep.run(null, () -> Classification.TASK.loss(model.forward(images, true), labels),
                            TrainStep.nonFinite(() -> "bench"), () -> opt.step(model.trainableParameters(), 0.01));
                }
                long t1 = System.nanoTime();
                try (ExitGuard.Hold exit = ExitGuard.hold();
                        NDManager s = m.newSubManager(); NDScope scope = new NDScope()) {
                    model.forward(images, false).toFloatArray();
                }
                long t2 = System.nanoTime();
                if (i >= 0) {
                    train[i] = (t1 - t0) / 1e9;
                    eval[i] = (t2 - t1) / 1e9;
                }
            }
            double deviceMem = Double.NaN;
            if (m.getDevice().isGpu()) {
                deviceMem = ai.djl.util.cuda.CudaUtils.getGpuMemory(m.getDevice()).getUsed() / 1048576.0;
            }
            return new Result(deviceName(m.getDevice()), batch, batch / median(train), batch / median(eval), deviceMem,
                    model.trainableCount());
        }
    }

    /** The median of {@code v} (the mean of the middle two for an even length). */
    public static double median(double[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("median of nothing");
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * Peak resident set size of this process so far ({@code VmHWM} in {@code /proc/self/status}), in MiB: every
     * page of the JVM, its heap, libtorch and its tensors that was resident at the same time. NaN off Linux.
     */
    public static double peakRssMiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** "cpu" or "gpu0", … (DJL's Device.toString() reads "cpu()"). */
    static String deviceName(ai.djl.Device d) {
        return d.isGpu() ? "gpu" + d.getDeviceId() : d.getDeviceType();
    }
}
