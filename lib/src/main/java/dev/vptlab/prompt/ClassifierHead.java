package dev.vptlab.prompt;

import java.util.LinkedHashMap;
import java.util.Map;
import ai.djl.nn.core.Linear;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Linear(D → C) with each paper's initialisation, as the official code sets it (GatedPT:
 * {@code src/models/mlp.py}, {@code MLP}; CVPT: PyTorch's default {@code nn.Linear}).
 */
public final class ClassifierHead implements Head {
    /** How the head is initialised. */
    public enum Init {
        /**
         * Gated PT / VPT code: W ~ N(0, √(2/C)) (kaiming-normal, fan_out = C), b = −log((1 − 0.01)/0.01)
         * = −4.59512 for every class.
         */
        GATED,
        /** CVPT: PyTorch's {@code nn.Linear} default, W and b ~ U(±1/√D). */
        TORCH_DEFAULT
    }

    /** The constant bias of the Gated PT head: a prior probability of 0.01 per class. */
    public static final float GATED_BIAS = (float) -Math.log((1 - 0.01) / 0.01);

    private final NDArray weight;
    private final NDArray bias;

    public ClassifierHead(NDManager m, int dim, int classes, Init init) {
        if (classes < 1) {
            throw new dev.vptlab.VptlabException("number of classes " + classes + " must be at least 1");
        }
        if (init == Init.GATED) {
            weight = m.randomNormal(0f, (float) Math.sqrt(2.0 / classes), new Shape(classes, dim), ai.djl.ndarray.types.DataType.FLOAT32);
            bias = m.full(new Shape(classes), GATED_BIAS);
        } else {
            float a = (float) (1 / Math.sqrt(dim));
            weight = m.randomUniform(-a, a, new Shape(classes, dim));
            bias = m.randomUniform(-a, a, new Shape(classes));
        }
        weight.setName("head.weight");
        bias.setName("head.bias");
        weight.setRequiresGradient(true);
        bias.setRequiresGradient(true);
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("head.weight", weight);
        p.put("head.bias", bias);
        return p;
    }

    @Override
    public NDArray forward(NDArray features) {
        return Linear.linear(features, weight, bias).singletonOrThrow();
    }

    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }
}
