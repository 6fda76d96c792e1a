package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MoCo v3's projector / predictor MLP ({@code _build_mlp}): {@code layers} Linear layers, each hidden
 * one followed by BatchNorm1d and ReLU, and (projector only) a non-affine BatchNorm1d after the last.
 * Upstream the ViT projector has 3 layers (hidden 4096, out 256) and the predictor 2 (hidden 4096, out
 * 256); the layer structure is kept and the widths are reduced (see {@link MocoV3Pretraining}).
 */
public final class ProjectionMlp {
    private final List<Dense> linears = new ArrayList<>();
    private final List<BatchNorm1d> norms = new ArrayList<>();

    /**
     * @param lastBn append a non-affine BatchNorm1d after the last Linear (the projector's)
     */
    public ProjectionMlp(NDManager m, int layers, int in, int hidden, int out, boolean lastBn, String name) {
        if (layers < 1) {
            throw new IllegalArgumentException("an MLP needs at least one layer");
        }
        for (int l = 0; l < layers; l++) {
            boolean last = l == layers - 1;
            linears.add(new Dense(m, l == 0 ? in : hidden, last ? out : hidden, name + "." + l + ".linear"));
            if (!last) {
                norms.add(new BatchNorm1d(m, hidden, true, name + "." + l + ".bn"));
            } else if (lastBn) {
                norms.add(new BatchNorm1d(m, out, false, name + "." + l + ".bn"));
            }
        }
    }

    /** x [B, in] → [B, out]; the batch statistics need B ≥ 2. */
    public NDArray forward(NDArray x) {
        for (int l = 0; l < linears.size(); l++) {
            x = linears.get(l).forward(x);
            if (l < linears.size() - 1) {
                x = Activation.relu(norms.get(l).forward(x));
            } else if (norms.size() == linears.size()) {
                x = norms.get(l).forward(x);
            }
        }
        return x;
    }

    /** All trainable tensors by name, in layer order. */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int l = 0; l < linears.size(); l++) {
            linears.get(l).collect(out);
            if (l < norms.size()) {
                norms.get(l).collect(out);
            }
        }
        return out;
    }
}
