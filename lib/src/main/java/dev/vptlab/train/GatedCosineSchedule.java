package dev.vptlab.train;

/**
 * Gated Prompt Tuning's LambdaLR (official code, {@code src/solver/lr_scheduler.py},
 * {@code WarmupCosineSchedule}, stepped once per epoch): lr(e) = base · f(e) with a
 * linear warm-up and a half-cosine to 0,
 * <pre>
 *   f(e) = e / W                                          e &lt; W
 *   f(e) = max(0, ½·(1 + cos(π·(e − W) / (T − W))))       e ≥ W
 * </pre>
 * with W = {@code warmupEpochs} (10 upstream) and T = {@code totalEpochs} (100 upstream), so epoch 0
 * trains at lr = 0 while SGD's momentum buffer still fills. With {@code warmupStartsAtZero = false}
 * (vptlab's option, not upstream) the warm-up is (e + 1) / W instead, so epoch 0 already moves.
 *
 * <p>Other epoch counts keep the same two formulas with W and T substituted (the quick profile,
 * e.g. W = 1, T = 10). As upstream, W is floored at 1 in the division and T − W at 1, and the
 * formula is simply continued beyond T (nothing trains there).
 */
public record GatedCosineSchedule(double base, int warmupEpochs, int totalEpochs, boolean warmupStartsAtZero)
        implements LrSchedule {
    public GatedCosineSchedule {
        if (warmupEpochs < 0 || totalEpochs < 1 || warmupEpochs > totalEpochs) {
            throw new IllegalArgumentException("need 0 <= warmupEpochs <= totalEpochs and totalEpochs >= 1, got "
                    + warmupEpochs + ", " + totalEpochs);
        }
    }

    /** The multiplier f(e). */
    public double factor(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (epoch < warmupEpochs) {
            double e = warmupStartsAtZero ? epoch : epoch + 1;
            return e / Math.max(1, warmupEpochs);
        }
        double progress = (double) (epoch - warmupEpochs) / Math.max(1, totalEpochs - warmupEpochs);
        return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
    }

    @Override
    public double lr(int epoch) {
        return base * factor(epoch);
    }

    @Override
    public String describe() {
        return "LambdaLR(base=" + base + ", linear warm-up " + warmupEpochs + " epochs from "
                + (warmupStartsAtZero ? "0" : "1/" + warmupEpochs) + ", cosine to 0 at epoch " + totalEpochs + ")";
    }
}
