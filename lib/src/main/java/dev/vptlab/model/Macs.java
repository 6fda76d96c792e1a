package dev.vptlab.model;

/**
 * Multiply-accumulates (MACs) of the ViT's matrix products for one image: the pure formulas, from a
 * {@link VitConfig} alone. A multiply-add is 2 FLOPs.
 *
 * <p>Notation: D the width, H the MLP hidden size, L the depth, p the patch size, c the input channels,
 * N = 1 + (S/p)² the tokens of an S×S image (CLS and patches), P prompts. Only matrix products are counted: not
 * LayerNorms, softmax, GELU, biases, residual additions, dropout and drop-path, nor the classifier head. This is
 * the convention of fvcore, which the CVPT code uses for its FLOP counts (and which calls MACs "FLOPs").
 */
public final class Macs {
    private Macs() {}

    /** The patch embedding: (N − 1)·D·c·p². */
    public static long patchEmbed(VitConfig c) {
        return (long) c.numPatches() * c.embedDim() * c.inChannels() * c.patchSize() * c.patchSize();
    }

    /**
     * One encoder block over a sequence of T = {@code tokens} tokens: 3·T·D² (qkv) + T²·D (Q·Kᵀ, all heads together)
     * + T²·D (A·V) + T·D² (output projection) + 2·T·D·H (the two MLP layers).
     */
    public static long block(VitConfig c, long tokens) {
        long d = c.embedDim();
        long t = tokens;
        return 3 * t * d * d + t * t * d + t * t * d + t * d * d + 2 * t * d * c.mlpHidden();
    }

    /**
     * CVPT's cross-attention branch in one block: N queries against P = {@code prompts} keys and values, with the
     * block's weights: N·D² (Q of the N tokens) + 2·P·D² (K and V of the prompts) + N·P·D (Q·Kᵀ) + N·P·D (A·V)
     * + N·D² (output projection).
     */
    public static long crossAttention(VitConfig c, long prompts) {
        long d = c.embedDim();
        long n = c.numTokens();
        return n * d * d + 2 * prompts * d * d + n * prompts * d + n * prompts * d + n * d * d;
    }

    /** The frozen backbone alone: patch embedding + L·block(N). */
    public static long backbone(VitConfig c) {
        return patchEmbed(c) + c.depth() * block(c, c.numTokens());
    }
}
