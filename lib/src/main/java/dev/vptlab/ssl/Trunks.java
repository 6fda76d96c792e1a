package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** The trainable trunk all three methods pretrain, and the two ways they run it. */
final class Trunks {
    private Trunks() {}

    /**
     * A trunk with {@link WeightInit#trunk} values whose tensors require gradients, except the sin-cos
     * position embedding when {@code learnPosEmbed} is false (MAE and MoCo v3 keep it fixed).
     */
    static VisionTransformer trainable(VitConfig config, NDManager m, boolean learnPosEmbed) {
        VisionTransformer vit = VisionTransformer.create(config, m);
        WeightInit.trunk(vit, m);
        vit.freezeParameters(false);
        if (!learnPosEmbed) {
            vit.namedParameters().get("pos_embed").freeze(true);
        }
        return vit;
    }

    /** The trunk's tensors that require a gradient, under their timm names. */
    static Map<String, NDArray> trainableParameters(VisionTransformer vit) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        vit.namedParameters().forEach((name, p) -> {
            if (p.getArray().hasGradient()) {
                out.put(name, p.getArray());
            }
        });
        return out;
    }

    /** Runs every block on a token sequence, then the final LayerNorm. */
    static NDArray encode(VisionTransformer vit, ParameterStore ps, NDArray tokens, boolean training) {
        NDArray x = tokens;
        for (int i = 0; i < vit.depth(); i++) {
            x = vit.block(ps, i, x, BlockOptions.PLAIN, training);
        }
        return vit.finalNorm(ps, x, training);
    }

    /** The CLS token after the final norm, [B, D]: MoCo v3's and DeiT's representation. */
    static NDArray cls(VisionTransformer vit, ParameterStore ps, NDArray images, boolean training) {
        return encode(vit, ps, vit.embed(ps, images, training), training).get(":, 0, :");
    }
}
