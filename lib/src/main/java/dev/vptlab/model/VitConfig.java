package dev.vptlab.model;

import dev.vptlab.VptlabException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture of a timm-style Vision Transformer (timm 0.5.4 {@code VisionTransformer}). Immutable; the presets
 * carry the papers' values, {@link #withImageSize} and {@link #builder} derive others.
 *
 * <p>The head count is part of the config, not of the weights: the fused qkv weight is [3D, D] for any
 * head count, so it is never inferred from a checkpoint.
 */
public record VitConfig(
        String name,
        int imageSize,
        int patchSize,
        int inChannels,
        int embedDim,
        int depth,
        int numHeads,
        int mlpHidden,
        boolean qkvBias,
        float layerNormEps) {

    /**
     * Every LayerNorm of the timm ViTs used here has eps 1e-6 (the official code builds them with
     * {@code partial(nn.LayerNorm, eps=1e-6)}), not PyTorch's 1e-5.
     */
    public static final float LN_EPS = 1e-6f;

    public VitConfig {
        require(imageSize > 0 && patchSize > 0 && imageSize % patchSize == 0,
                "image size " + imageSize + " must be a positive multiple of the patch size " + patchSize);
        require(inChannels > 0, "inChannels must be positive, got " + inChannels);
        require(depth > 0, "depth must be positive, got " + depth);
        require(numHeads > 0 && embedDim > 0 && embedDim % numHeads == 0,
                "embed dim " + embedDim + " must be a positive multiple of the head count " + numHeads);
        require(mlpHidden > 0, "MLP hidden size must be positive, got " + mlpHidden);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new VptlabException("invalid ViT config: " + message);
        }
    }

    private static VitConfig preset(String name, int patch, int dim, int depth, int heads) {
        return new VitConfig(name, 224, patch, 3, dim, depth, heads, 4 * dim, true, LN_EPS);
    }

    public static final VitConfig VIT_TI16 = preset("vit_ti16", 16, 192, 12, 3);
    /** DeiT/timm ViT-S/16 (6 heads). */
    public static final VitConfig VIT_S16 = preset("vit_s16", 16, 384, 12, 6);
    /**
     * MoCo v3's ViT-S/16 uses 12 heads of width 32 (facebookresearch/moco-v3 {@code vits.py},
     * {@code vit_small}), unlike DeiT-S; the weights cannot tell the head count, so it is kept explicit.
     */
    public static final VitConfig VIT_S16_MOCOV3 = preset("vit_s16_mocov3", 16, 384, 12, 12);
    public static final VitConfig VIT_B16 = preset("vit_b16", 16, 768, 12, 12);
    public static final VitConfig VIT_L16 = preset("vit_l16", 16, 1024, 24, 16);
    public static final VitConfig VIT_H14 = preset("vit_h14", 14, 1280, 32, 16);

    /**
     * The embedded default's tiny backbone: 12 blocks (so the block-location study keeps the papers' 12
     * insertion points), 32×32 single-channel inputs (Fashion-MNIST padded 28→32), patch 4 (64 patch
     * tokens), width 48, 3 heads of 16.
     */
    public static final VitConfig VIT_TINY12_FMNIST = new VitConfig("vit_tiny12_fmnist", 32, 4, 1, 48, 12, 3, 192, true, LN_EPS);

    private static final Map<String, VitConfig> PRESETS = new LinkedHashMap<>();

    static {
        for (VitConfig c : new VitConfig[] {VIT_TI16, VIT_S16, VIT_S16_MOCOV3, VIT_B16, VIT_L16, VIT_H14, VIT_TINY12_FMNIST}) {
            PRESETS.put(c.name(), c);
        }
    }

    /** The named presets: vit_ti16, vit_s16, vit_s16_mocov3, vit_b16, vit_l16, vit_h14, vit_tiny12_fmnist. */
    public static Map<String, VitConfig> presets() {
        return java.util.Collections.unmodifiableMap(PRESETS);
    }

    /** A preset by name; an unknown name is refused with the list of known ones. */
    public static VitConfig named(String name) {
        VitConfig c = PRESETS.get(name);
        if (c == null) {
            throw new VptlabException("unknown architecture '" + name + "'; known: " + String.join(", ", PRESETS.keySet()));
        }
        return c;
    }

    public VitConfig withImageSize(int size) {
        return new VitConfig(name, size, patchSize, inChannels, embedDim, depth, numHeads, mlpHidden, qkvBias, layerNormEps);
    }

    public VitConfig withName(String newName) {
        return new VitConfig(newName, imageSize, patchSize, inChannels, embedDim, depth, numHeads, mlpHidden, qkvBias, layerNormEps);
    }

    public int gridSize() {
        return imageSize / patchSize;
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Tokens entering block 1: CLS + patches. */
    public int numTokens() {
        return 1 + numPatches();
    }

    public int headDim() {
        return embedDim / numHeads;
    }

    /** timm's attention scale head_dim^-0.5 (0.125 for ViT-B). */
    public float attentionScale() {
        return (float) Math.pow(headDim(), -0.5);
    }

    /** Number of trunk tensors: cls, pos, patch w+b, 12 per block, final norm w+b (150 for ViT-B). */
    public int trunkTensorCount() {
        return 4 + 12 * depth + 2;
    }

    /** Trunk parameter count from the timm parameter shapes (85,798,656 for ViT-B/16 at 224). */
    public long trunkParameterCount() {
        long d = embedDim;
        long h = mlpHidden;
        long embed = d + (long) numTokens() * d + d * inChannels * patchSize * patchSize + d;
        long block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (h * d + h) + (d * h + d);
        return embed + depth * block + 2 * d;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for custom (e.g. tiny) ViTs; defaults are ViT-B/16's. */
    public static final class Builder {
        private String name = "custom";
        private int imageSize = 224;
        private int patchSize = 16;
        private int inChannels = 3;
        private int embedDim = 768;
        private int depth = 12;
        private int numHeads = 12;
        private Integer mlpHidden;
        private boolean qkvBias = true;
        private float eps = LN_EPS;

        public Builder name(String v) { name = v; return this; }
        public Builder imageSize(int v) { imageSize = v; return this; }
        public Builder patchSize(int v) { patchSize = v; return this; }
        public Builder inChannels(int v) { inChannels = v; return this; }
        public Builder embedDim(int v) { embedDim = v; return this; }
        public Builder depth(int v) { depth = v; return this; }
        public Builder numHeads(int v) { numHeads = v; return this; }
        /** Defaults to 4 × embedDim (mlp_ratio 4). */
        public Builder mlpHidden(int v) { mlpHidden = v; return this; }
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }
        public Builder layerNormEps(float v) { eps = v; return this; }

        public VitConfig build() {
            return new VitConfig(name, imageSize, patchSize, inChannels, embedDim, depth, numHeads,
                    mlpHidden == null ? 4 * embedDim : mlpHidden, qkvBias, eps);
        }
    }
}
