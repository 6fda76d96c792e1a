package dev.vptlab.report;

import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;

/**
 * One speed and memory measurement of a configuration, as {@link Efficiency#table} fills its columns; NaN where
 * not measured.
 *
 * @param memory what the memory figures are, in words
 */
public record Measurement(String device, double trainImagesPerSecond, double evalImagesPerSecond, double peakRssMiB,
        double gpuMemoryMiB, String memory) {
    /** Nothing measured ({@link Efficiency.Measure#NONE}). */
    static Measurement none() {
        return new Measurement("", Double.NaN, Double.NaN, Double.NaN, Double.NaN, "not measured");
    }

    /**
     * Throughput (and device memory on a GPU) of one configuration in this JVM ({@link Efficiency.Measure#IN_PROCESS}):
     * the peak RSS of a long-lived JVM says nothing about one configuration, so it is not given.
     */
    public static Measurement inProcess(VitConfig c, MethodConfig m, Efficiency.Settings s) {
        Bench.Result r = Bench.run(c, m, s.batch(), s.classes(), s.warmup(), s.steps());
        boolean gpu = !Double.isNaN(r.deviceMemoryMiB());
        return new Measurement(r.device(), r.trainImagesPerSecond(), r.evalImagesPerSecond(), Double.NaN,
                r.deviceMemoryMiB(), gpu ? "GPU memory in use after the timed steps (this JVM: includes earlier configurations' "
                        + "cached blocks)" : "not measured (in-process on a CPU)");
    }
}
