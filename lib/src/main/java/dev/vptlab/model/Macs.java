package dev.vptlab.model;

/**
 * Multiply-adds of a ViT's forward pass per image, by formula (FLOPs = 2 × MACs). Counted: the patch
 * embedding, the q/k/v and output projections, the two attention matrix products and the MLP; not counted:
 * norms, softmax, GELU, additions (a few per cent at ViT-B).
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
