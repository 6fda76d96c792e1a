package dev.vptlab.model;

import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.Map;

/** Maps DJL's own parameter names (LayerNorm gamma/beta) to timm's ({@code weight}/{@code bias}). */
final class Names {
    private Names() {}

    static void linear(String prefix, Linear block, Map<String, Parameter> out) {
        out.put(prefix + "weight", block.getParameters().get("weight"));
        if (block.getParameters().contains("bias")) {
            out.put(prefix + "bias", block.getParameters().get("bias"));
        }
    }

    static void layerNorm(String prefix, LayerNorm block, Map<String, Parameter> out) {
        out.put(prefix + "weight", block.getParameters().get("gamma"));
        out.put(prefix + "bias", block.getParameters().get("beta"));
    }

    /**
     * PyTorch's LayerNorm over the channel axis with the given eps. DJL wants a non-negative axis of the
     * [B, N, D] shape the blocks are initialised with; it then keeps normalizedShape = [D], so the
     * same norm also applies to pooled [B, D] features.
     */
    static LayerNorm layerNorm(float eps) {
        return LayerNorm.builder().axis(2).optEpsilon(eps).build();
    }
}
