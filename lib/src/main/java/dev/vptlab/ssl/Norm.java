package dev.vptlab.ssl;

import ai.djl.nn.norm.LayerNorm;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/** A trainable {@code nn.LayerNorm(dim, eps=1e-6)} over the last axis (weight one, bias zero), for the heads. */
public final class Norm {
    private final NDArray gamma;
    private final NDArray beta;
    private final Shape normalized;

    public Norm(NDManager m, int dim, String name) {
        normalized = new Shape(dim);
        gamma = m.ones(normalized);
        beta = m.zeros(normalized);
        gamma.setName(name + ".weight");
        beta.setName(name + ".bias");
        gamma.setRequiresGradient(true);
        beta.setRequiresGradient(true);
    }

    public NDArray forward(NDArray x) {
        return LayerNorm.layerNorm(x, normalized, gamma, beta, 1e-6f).singletonOrThrow();
    }

    public void collect(Map<String, NDArray> out) {
        out.put(gamma.getName(), gamma);
        out.put(beta.getName(), beta);
    }
}
