package dev.vptlab.model;

/**
 * Multiply-adds of a ViT's forward pass per image, by formula (FLOPs = 2 × MACs). Notation: D the width, H the
 * MLP hidden size, p the patch size, c the input channels, N = 1 + (S/p)² the tokens of an S×S image (CLS and
 * patches), T the tokens a block sees, P the prompts. A method adds up its blocks over the tokens each sees
 * ({@code MethodConfig.forwardMacs}): VPT-deep and Gated PT see N + P in every block (replacing prompts between
 * blocks costs no products), VPT-shallow from its insert block on, CVPT N plus one cross-attention per block.
 * Not counted: LayerNorms, softmax, GELU, biases, residual additions, dropout and drop-path, gates and
 * temperatures, pooling and the head (D·C, the same for every method). CVPT's prompt K and V do not depend on
 * the image and could be computed once per batch at evaluation; like the official code, they count per image.
 */
public final class Macs {
    private Macs() {}

    /** The patch embedding of one image: (N − 1)·D·c·p². */
    public static long patchEmbed(VitConfig c) {
        return (long) c.numPatches() * c.embedDim() * c.inChannels() * c.patchSize() * c.patchSize();
    }

    /** One block over {@code tokens} tokens: 4·T·D² + 2·T²·D + 2·T·D·H. */
    public static long block(VitConfig c, long tokens) {
        long d = c.embedDim();
        long t = tokens;
        return 3 * t * d * d + t * t * d + t * t * d + t * d * d + 2 * t * d * c.mlpHidden();
    }

    /** One cross-attention branch: N queries against P prompts, 2·N·D² + 2·P·D² + 2·N·P·D. */
    public static long crossAttention(VitConfig c, long prompts) {
        long d = c.embedDim();
        long n = c.numTokens();
        return n * d * d + 2 * prompts * d * d + n * prompts * d + n * prompts * d + n * d * d;
    }
}
