package dev.vptlab.model;

import ai.djl.ndarray.NDArray;

/**
 * What a method may change inside one encoder block without copying its code (vptlab's own design, so that
 * the backbone is written once): an attention temperature, a side branch at one of five positions, and the
 * drop-path rate.
 *
 * @param temperature scalar NDArray dividing all attention logits (Gated PT's τ_l), or null for τ = 1
 * @param branch extra residual branch (CVPT cross-attention), or null
 * @param position where {@code branch} enters; ignored when branch is null
 * @param dropPathRate stochastic-depth rate of the SA and MLP branches, applied only in training
 */
public record BlockOptions(NDArray temperature, SideBranch branch, BranchPosition position, float dropPathRate) {
    /** A plain ViT block: τ = 1, no branch, no drop-path. */
    public static final BlockOptions PLAIN = new BlockOptions(null, null, BranchPosition.AFTER_ATTENTION, 0f);

    public BlockOptions {
        if (dropPathRate < 0 || dropPathRate >= 1) {
            throw new dev.vptlab.VptlabException("drop-path rate " + dropPathRate + " is out of range [0, 1)");
        }
        if (position == null) {
            position = BranchPosition.AFTER_ATTENTION;
        }
    }

    public BlockOptions withTemperature(NDArray t) {
        return new BlockOptions(t, branch, position, dropPathRate);
    }

    public BlockOptions withBranch(SideBranch b, BranchPosition p) {
        return new BlockOptions(temperature, b, p, dropPathRate);
    }

    public BlockOptions withDropPath(float rate) {
        return new BlockOptions(temperature, branch, position, rate);
    }
}
