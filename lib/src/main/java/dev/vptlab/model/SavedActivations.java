package dev.vptlab.model;

/**
 * Floats PyTorch's autograd keeps for the backward pass of one training step of this implementation's ops: the
 * pure formulas, from a {@link VitConfig} alone, as {@link Macs} counts the matrix products. Frozen weights and
 * 0-d scalars are not counted; a storage several ops save is counted once.
 *
 * <p>Per block over T tokens (B images, width D, H heads, MLP width F): each LayerNorm saves its input and its mean
 * and rstd (B·T·D + 2·B·T); the attention's Q, Kᵀ and V are non-contiguous views that matmul copies before saving
 * (3·B·T·D) and softmax saves its output (B·H·T²); GELU saves its input (B·T·F). A frozen Linear saves only its
 * weight, which is not counted.
 */
public final class SavedActivations {
    private SavedActivations() {}

    /** One LayerNorm over B × T tokens: its input, mean and rstd. */
    public static long layerNorm(VitConfig c, long tokens, long batch) {
        return batch * tokens * c.embedDim() + 2 * batch * tokens;
    }

    /** Self-attention over T tokens: the copied Q, Kᵀ and V and the softmax output. */
    public static long attention(VitConfig c, long tokens, long batch) {
        return 3 * batch * tokens * c.embedDim() + batch * c.numHeads() * tokens * tokens;
    }

    /** A plain encoder block over T tokens: two LayerNorms, the attention and GELU's input. */
    public static long block(VitConfig c, long tokens, long batch) {
        return 2 * layerNorm(c, tokens, batch) + attention(c, tokens, batch) + batch * tokens * c.mlpHidden();
    }
}
