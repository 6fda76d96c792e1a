package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.vptlab.model.InPlace;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import java.util.Map;

/**
 * MAE's from-scratch initialisation ({@code MaskedAutoencoderViT.initialize_weights}), which MoCo v3's
 * {@code VisionTransformerMoCo} follows closely: every Linear weight Xavier-uniform, biases zero,
 * LayerNorm weight one and bias zero, the patch-embedding kernel Xavier-uniform on its [D, C·p·p] view,
 * the CLS token N(0, 0.02²), and the position embedding the fixed 2-D sin-cos table.
 *
 * <p>Random draws come from the engine's generator, so {@code Engine.setRandomSeed} before the call
 * makes the result reproducible. Values are written with {@link InPlace#copy} into the parameters' own
 * storage.
 */
public final class WeightInit {
    private WeightInit() {}

    /** Initialises a freshly built trunk as described above. */
    public static void trunk(VisionTransformer vit, NDManager m) {
        VitConfig c = vit.config();
        for (Map.Entry<String, Parameter> e : vit.namedParameters().entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue().getArray();
            long[] s = p.getShape().getShape();
            if (name.equals("cls_token")) {
                normal(p, 0.02f, m);
            } else if (name.equals("pos_embed")) {
                InPlace.copy(p, SinCosPosEmbed.table(c.gridSize(), c.embedDim(), true));
            } else if (s.length >= 2) {
                xavierUniform(p, m);
            } else if (name.endsWith("norm1.weight") || name.endsWith("norm2.weight") || name.equals("norm.weight")) {
                fill(p, 1f, m);
            } else {
                fill(p, 0f, m);
            }
        }
    }

    /**
     * Xavier/Glorot uniform on the [out, rest] view: U(±√(6 / (fan_in + fan_out))) with fan_out = dim 0 and
     * fan_in = the product of the other dims (MAE's treatment of the patch-embedding kernel; for a Linear
     * weight [out, in] this is torch's {@code xavier_uniform_}).
     */
    public static void xavierUniform(NDArray p, NDManager m) {
        long[] s = p.getShape().getShape();
        long fanOut = s[0];
        long fanIn = p.getShape().size() / fanOut;
        float a = (float) Math.sqrt(6.0 / (fanIn + fanOut));
        try (NDManager tmp = m.newSubManager()) {
            InPlace.copy(p, tmp.randomUniform(-a, a, p.getShape()));
        }
    }

    public static void normal(NDArray p, float std, NDManager m) {
        try (NDManager tmp = m.newSubManager()) {
            InPlace.copy(p, tmp.randomNormal(0f, std, p.getShape(), p.getDataType()));
        }
    }

    public static void fill(NDArray p, float value, NDManager m) {
        try (NDManager tmp = m.newSubManager()) {
            InPlace.copy(p, tmp.full(p.getShape(), value));
        }
    }

    /** A new trainable tensor of {@code shape} on {@code m}, Xavier-uniform (rank ≥ 2) or zero (rank 1). */
    static NDArray trainable(NDManager m, Shape shape, String name) {
        NDArray a = m.zeros(shape);
        if (shape.dimension() >= 2) {
            xavierUniform(a, m);
        }
        a.setName(name);
        a.setRequiresGradient(true);
        return a;
    }
}
