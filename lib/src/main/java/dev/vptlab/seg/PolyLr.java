package dev.vptlab.seg;

/**
 * The poly schedule of mmsegmentation's ADE20K configs (mmcv 1.3.9 {@code PolyLrUpdaterHook}, power 0.9,
 * {@code min_lr=1e-4}, {@code by_epoch=False}): set before every iteration t = 0..T−1 to
 * (base − 1e-4)·(1 − t/T)^0.9 + 1e-4. The floor is absolute and the same for every parameter group.
 */
public final class PolyLr {
    /** mmseg's {@code min_lr}. */
    public static final double MIN_LR = 1e-4;
    /** mmseg's {@code power}. */
    public static final double POWER = 0.9;

    private PolyLr() {}

    /**
     * @param base the group's initial learning rate
     * @param iteration 0-based iteration t, 0 ≤ t ≤ T
     * @param total number of iterations T ≥ 1
     */
    public static double lr(double base, long iteration, long total) {
        if (total < 1 || iteration < 0 || iteration > total) {
            throw new IllegalArgumentException("iteration " + iteration + " of " + total + " is out of range");
        }
        double coeff = Math.pow(1 - (double) iteration / total, POWER);
        return (base - MIN_LR) * coeff + MIN_LR;
    }
}
