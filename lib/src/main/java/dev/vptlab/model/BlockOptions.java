package dev.vptlab.model;

import ai.djl.ndarray.NDArray;

/**
 * What a method may change inside one encoder block without copying its code: an attention temperature, a
 * side branch at one of five positions, the drop-path rate, and key/value prompts inside self-attention.
 *
 * @param temperature scalar NDArray dividing all attention logits (Gated PT's τ_l), or null for τ = 1
 * @param branch extra residual branch (CVPT cross-attention), or null
 * @param position where {@code branch} enters; ignored when branch is null
 * @param dropPathRate stochastic-depth rate of the SA and MLP branches, applied only in training
 * @param keyValuePrompts tokens appended to the keys and values of self-attention (E2VPT's key-value prompts,
 *     Han et al., ICCV 2023, Sec. 3.2), or null
 */
public record BlockOptions(NDArray temperature, SideBranch branch, BranchPosition position, float dropPathRate,
        KeyValuePrompts keyValuePrompts) {
    /** A plain ViT block: τ = 1, no branch, no drop-path. */
    public static final BlockOptions PLAIN = new BlockOptions(null, null, BranchPosition.AFTER_ATTENTION, 0f, null);

    public BlockOptions {
        if (dropPathRate < 0 || dropPathRate >= 1) {
            throw new dev.vptlab.VptlabException("drop-path rate " + dropPathRate + " is out of range [0, 1)");
        }
        if (position == null) {
            position = BranchPosition.AFTER_ATTENTION;
        }
    }

    public BlockOptions(NDArray temperature, SideBranch branch, BranchPosition position, float dropPathRate) {
        this(temperature, branch, position, dropPathRate, null);
    }

    public BlockOptions withTemperature(NDArray t) {
        return new BlockOptions(t, branch, position, dropPathRate, keyValuePrompts);
    }

    public BlockOptions withBranch(SideBranch b, BranchPosition p) {
        return new BlockOptions(temperature, b, p, dropPathRate, keyValuePrompts);
    }

    public BlockOptions withDropPath(float rate) {
        return new BlockOptions(temperature, branch, position, rate, keyValuePrompts);
    }

    public BlockOptions withKeyValuePrompts(KeyValuePrompts kv) {
        return new BlockOptions(temperature, branch, position, dropPathRate, kv);
    }
}
