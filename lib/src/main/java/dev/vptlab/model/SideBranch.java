package dev.vptlab.model;

import ai.djl.ndarray.NDArray;

/**
 * An extra residual branch a method adds inside an encoder block, as a function of the (un-normalised)
 * token sequence at that point. CVPT's cross-attention to the block's prompts is one (official CVPT code,
 * {@code CVPT.py}, {@code CrossAttention}).
 */
@FunctionalInterface
public interface SideBranch {
    /** @param x tokens [B, N, D] at the insert position; @return the branch output [B, N, D] */
    NDArray apply(NDArray x);
}
