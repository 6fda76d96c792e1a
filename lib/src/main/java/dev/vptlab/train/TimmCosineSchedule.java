package dev.vptlab.train;

/**
 * timm 0.5.4's {@code CosineLRScheduler} as CVPT steps it, once per epoch after the epoch (official
 * {@code train.py}): the scheduler sets {@code warmupLrInit} at construction, and after epoch e − 1 it
 * sets s(e − 1), so
 * <pre>
 *   lr(0) = w                                   (base when there is no warm-up)
 *   lr(e) = s(e − 1)                            e ≥ 1
 *   s(t)  = w + t·(base − w)/W                  t &lt; W
 *   s(t)  = m + ½·(base − m)·(1 + cos(π·t/T))    W ≤ t &lt; T
 *   s(t)  = m                                   t ≥ T (past the only cycle; cycle_limit 1)
 * </pre>
 * with w = {@code warmupLrInit} (1e-6), m = {@code lrMin} (1e-5), W = {@code warmupEpochs} (10) and
 * T = {@code tInitial} (100). The cosine runs over t/T from t = 0, not over the post-warm-up part
 * (no warm-up prefix), so the peak base is never reached: epoch 10 trains at ≈0.9·base, epoch 11 at
 * ≈0.9758·base. For other epoch counts pass W and T = the number of epochs; the formulas stay.
 */
public record TimmCosineSchedule(double base, int warmupEpochs, int tInitial, double warmupLrInit, double lrMin)
        implements LrSchedule {
    public TimmCosineSchedule {
        if (warmupEpochs < 0 || tInitial < 1) {
            throw new IllegalArgumentException("need warmupEpochs >= 0 and tInitial >= 1, got " + warmupEpochs + ", "
                    + tInitial);
        }
    }

    /** timm's {@code _get_lr(t)}: the rate set after t + 1 scheduler steps. */
    public double s(int t) {
        if (t < warmupEpochs) {
            // timm precomputes the per-step increment, then adds t of them: same order here
            double increment = (base - warmupLrInit) / warmupEpochs;
            return warmupLrInit + t * increment;
        }
        if (t >= tInitial) {
            return lrMin;
        }
        return lrMin + 0.5 * (base - lrMin) * (1 + Math.cos(Math.PI * t / tInitial));
    }

    @Override
    public double lr(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (epoch == 0) {
            return warmupEpochs > 0 ? warmupLrInit : base;
        }
        return s(epoch - 1);
    }

    @Override
    public String describe() {
        return "timm CosineLRScheduler(base=" + base + ", t_initial=" + tInitial + ", warmup_t=" + warmupEpochs
                + ", warmup_lr_init=" + warmupLrInit + ", lr_min=" + lrMin + ", stepped per epoch)";
    }
}
