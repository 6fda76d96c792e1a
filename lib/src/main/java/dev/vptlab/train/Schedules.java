package dev.vptlab.train;

/**
 * The per-epoch learning-rate schedules of the two papers, by name. Both papers step their schedule
 * once per epoch after the epoch, so each is a plain function of the 0-based epoch.
 */
public final class Schedules {
    private Schedules() {}

    /** Gated PT's schedule as released: 10 warm-up epochs starting at lr 0, 100 epochs ({@code WarmupCosineSchedule}). */
    public static GatedCosineSchedule gatedCosine(double base) {
        return gatedCosine(base, 10, 100, true);
    }

    /** Gated PT's schedule for other lengths; see {@link GatedCosineSchedule}. */
    public static GatedCosineSchedule gatedCosine(double base, int warmupEpochs, int totalEpochs,
            boolean warmupStartsAtZero) {
        return new GatedCosineSchedule(base, warmupEpochs, totalEpochs, warmupStartsAtZero);
    }

    /** CVPT's timm cosine as released: warm-up 10 from 1e-6, t_initial 100, lr_min 1e-5 (official {@code train.py}). */
    public static TimmCosineSchedule timmCosine(double base) {
        return timmCosine(base, 10, 100, 1e-6, 1e-5);
    }

    /** CVPT's schedule for other lengths; see {@link TimmCosineSchedule}. */
    public static TimmCosineSchedule timmCosine(double base, int warmupEpochs, int tInitial, double warmupLrInit,
            double lrMin) {
        return new TimmCosineSchedule(base, warmupEpochs, tInitial, warmupLrInit, lrMin);
    }

    public static ConstantSchedule constant(double lr) {
        return new ConstantSchedule(lr);
    }
}
