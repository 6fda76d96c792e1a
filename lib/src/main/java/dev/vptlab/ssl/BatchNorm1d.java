package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * {@code nn.BatchNorm1d(dim)} in training mode over [B, dim]: (x − batch mean) / √(batch var + 1e-5),
 * biased variance, then an optional affine γ·x + β (γ one, β zero). MoCo v3's MLP heads use it in both
 * encoders, always in training mode during pretraining, and the heads are discarded afterwards, so
 * running statistics are never read and are not kept.
 */
public final class BatchNorm1d {
    private final NDArray gamma;
    private final NDArray beta;

    /** @param affine false for the projector's last BN ({@code affine=False} upstream) */
    public BatchNorm1d(NDManager m, int dim, boolean affine, String name) {
        if (affine) {
            gamma = m.ones(new Shape(dim));
            beta = m.zeros(new Shape(dim));
            gamma.setName(name + ".weight");
            beta.setName(name + ".bias");
            gamma.setRequiresGradient(true);
            beta.setRequiresGradient(true);
        } else {
            gamma = null;
            beta = null;
        }
    }

    public NDArray forward(NDArray x) {
        NDArray centred = x.sub(x.mean(new int[] {0}, true));
        NDArray var = centred.square().mean(new int[] {0}, true);
        NDArray y = centred.div(var.add(1e-5f).sqrt());
        return gamma == null ? y : y.mul(gamma).add(beta);
    }

    public void collect(Map<String, NDArray> out) {
        if (gamma != null) {
            out.put(gamma.getName(), gamma);
            out.put(beta.getName(), beta);
        }
    }
}
