package dev.vptlab.ssl;

import ai.djl.nn.core.Linear;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * A trainable {@code nn.Linear(in, out)} of the pretraining heads (decoder embedding and prediction,
 * projector, predictor, classifier), initialised as MAE initialises its Linear layers: Xavier-uniform
 * weight, zero bias.
 */
public final class Dense {
    private final NDArray weight;
    private final NDArray bias;

    public Dense(NDManager m, int in, int out, String name) {
        weight = WeightInit.trainable(m, new Shape(out, in), name + ".weight");
        bias = WeightInit.trainable(m, new Shape(out), name + ".bias");
    }

    /** x [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** Adds weight and bias under their names. */
    public void collect(Map<String, NDArray> out) {
        out.put(weight.getName(), weight);
        out.put(bias.getName(), bias);
    }
}
