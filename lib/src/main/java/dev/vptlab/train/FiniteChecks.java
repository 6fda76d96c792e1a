package dev.vptlab.train;

import dev.vptlab.checkpoint.RawTensor;
import java.util.Map;

/**
 * Whether what an epoch produced may become the run's checkpoint. Every optimizer-state value must be finite, and
 * every trainable parameter must be finite with a finite square in float32 (|x| at most sqrt(Float.MAX_VALUE),
 * about 1.8e19): the ViT's pre-norm blocks put every token, prompts included, through LayerNorm, whose variance
 * squares the values (Ba et al. 2016, "Layer Normalization"; timm's {@code Block.norm1}), and AdamW squares the
 * gradients that such values produce (Loshchilov and Hutter 2019). A parameter beyond that bound is a finite
 * number that yields NaN at the next forward pass, as a diverging run's ±3e38 does, so keeping it as the "last
 * good" checkpoint would resume straight into the NaN.
 */
final class FiniteChecks {
    /** The largest magnitude whose float32 square is finite. */
    static final double PARAMETER_BOUND = Math.sqrt(Float.MAX_VALUE);

    private FiniteChecks() {}

    /**
     * What is wrong with a checkpoint's tensors ({@code param/...} and {@code optim/...} as the trainer names
     * them), or null when it may be kept.
     */
    static String problem(Map<String, RawTensor> tensors) {
        for (Map.Entry<String, RawTensor> e : tensors.entrySet()) {
            RawTensor t = e.getValue();
            if (!t.dtype().isFloating()) {
                continue; // integer state (step counts) cannot be NaN
            }
            double bound = e.getKey().startsWith("param/") ? PARAMETER_BOUND : Double.POSITIVE_INFINITY;
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i]) || Math.abs(v[i]) > bound) {
                    return e.getKey() + "[" + i + "] = " + v[i] + (Float.isFinite(v[i])
                            ? " (beyond " + (float) bound + ", whose square overflows float32)" : "");
                }
            }
        }
        return null;
    }

    /** What is wrong with evaluation logits, or null when all are finite. */
    static String logitsProblem(float[] logits, int numClasses) {
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                return "logit " + (i % numClasses) + " of image " + (i / numClasses) + " is " + logits[i];
            }
        }
        return null;
    }
}
