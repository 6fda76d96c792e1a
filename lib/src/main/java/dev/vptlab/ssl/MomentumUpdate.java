package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.vptlab.VptlabException;
import java.util.Map;

/**
 * MoCo v3's momentum encoder update ({@code _update_momentum_encoder}), outside autograd and in place:
 * {@code k ← k·m + (1 − m)·q} for every pair of tensors with the same name. With the cosine schedule
 * ({@code adjust_moco_momentum}) m rises from m₀ to 1 over training:
 * m(t) = 1 − ½·(1 + cos(π·t/T))·(1 − m₀).
 */
public final class MomentumUpdate {
    private MomentumUpdate() {}

    /** The momentum at step t of T, cosine-scheduled from {@code m0} to 1. */
    public static double cosine(double m0, long t, long total) {
        return 1 - 0.5 * (1 + Math.cos(Math.PI * t / total)) * (1 - m0);
    }

    /** Same-named tensors of {@code momentum} ← m·momentum + (1 − m)·online. */
    public static void apply(Map<String, NDArray> online, Map<String, NDArray> momentum, double m) {
        if (!online.keySet().equals(momentum.keySet())) {
            throw new VptlabException("momentum encoder tensors " + momentum.keySet() + " do not match " + online.keySet());
        }
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, NDArray> e : momentum.entrySet()) {
                NDArray k = e.getValue();
                NDArray q = online.get(e.getKey());
                try (NDManager tmp = k.getManager().newSubManager()) {
                    NDArray scaled = q.mul((float) (1 - m));
                    scaled.attach(tmp);
                    k.muli((float) m).addi(scaled);
                }
            }
        } finally {
            JniUtils.setGradMode(was);
        }
    }
}
