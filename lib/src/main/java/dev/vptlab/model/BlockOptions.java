package dev.vptlab.model;

import ai.djl.ndarray.NDArray;

/**
 * What a method may change inside one encoder block without copying its code: an attention temperature, a
 * side branch at one of five positions, the drop-path rate, key/value prompts inside self-attention, and the
 * backbone's plain dropout rate.
 *
 * @param temperature scalar NDArray dividing all attention logits (Gated PT's τ_l), or null for τ = 1
 * @param branch extra residual branch (CVPT cross-attention), or null
 * @param position where {@code branch} enters; ignored when branch is null
 * @param dropPathRate stochastic-depth rate of the SA and MLP branches, applied only in training
 * @param keyValuePrompts tokens appended to the keys and values of self-attention (E2VPT's key-value prompts,
 *     Han et al., ICCV 2023, Sec. 3.2), or null
 * @param dropRate {@link Dropout} rate after the attention projection and after both MLP layers (timm's and mmseg's
 *     {@code drop_rate}: {@code proj_drop} and the {@code Mlp} dropouts), applied only in training; 0 for none
 */
public record BlockOptions(NDArray temperature, SideBranch branch, BranchPosition position, float dropPathRate,
        KeyValuePrompts keyValuePrompts, float dropRate) {
    /** A plain ViT block: τ = 1, no branch, no drop-path, no dropout. */
    public static final BlockOptions PLAIN = new BlockOptions(null, null, BranchPosition.AFTER_ATTENTION, 0f, null, 0f);

    public BlockOptions {
        if (dropPathRate < 0 || dropPathRate >= 1) {
            throw new dev.vptlab.VptlabException("drop-path rate " + dropPathRate + " is out of range [0, 1)");
        }
        if (dropRate < 0 || dropRate >= 1) {
            throw new dev.vptlab.VptlabException("dropout rate " + dropRate + " is out of range [0, 1)");
        }
        if (position == null) {
            position = BranchPosition.AFTER_ATTENTION;
        }
    }

    public BlockOptions(NDArray temperature, SideBranch branch, BranchPosition position, float dropPathRate) {
        this(temperature, branch, position, dropPathRate, null, 0f);
    }

    public BlockOptions(NDArray temperature, SideBranch branch, BranchPosition position, float dropPathRate,
            KeyValuePrompts keyValuePrompts) {
        this(temperature, branch, position, dropPathRate, keyValuePrompts, 0f);
    }

    public BlockOptions withTemperature(NDArray t) {
        return new BlockOptions(t, branch, position, dropPathRate, keyValuePrompts, dropRate);
    }

    public BlockOptions withBranch(SideBranch b, BranchPosition p) {
        return new BlockOptions(temperature, b, p, dropPathRate, keyValuePrompts, dropRate);
    }

    public BlockOptions withDropPath(float rate) {
        return new BlockOptions(temperature, branch, position, rate, keyValuePrompts, dropRate);
    }

    public BlockOptions withKeyValuePrompts(KeyValuePrompts kv) {
        return new BlockOptions(temperature, branch, position, dropPathRate, kv, dropRate);
    }

    public BlockOptions withDropRate(float rate) {
        return new BlockOptions(temperature, branch, position, dropPathRate, keyValuePrompts, rate);
    }
}
