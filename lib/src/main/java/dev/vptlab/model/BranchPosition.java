package dev.vptlab.model;

/**
 * Where a {@link SideBranch} enters an encoder block: the five candidate positions of CVPT's ablation
 * (the paper's ablation; the {@code insert} argument 1..5 of {@code CvptBlock.forward} in the official code,
 * {@code CVPT.py}). DP is stochastic depth, SA self-attention.
 */
public enum BranchPosition {
    /** 1: {@code x += B(x)} before the attention sub-block. */
    BEFORE_ATTENTION(1),
    /** 2: {@code x += DP(SA(LN1 x) + B(x))}: one drop-path mask on the sum. */
    WITH_ATTENTION(2),
    /** 3 (CVPT default): {@code x += B(x)} between the attention and MLP sub-blocks, no drop-path. */
    AFTER_ATTENTION(3),
    /** 4: {@code x += DP(MLP(LN2(x) + B(x)))}: the branch is added to the MLP's input. */
    IN_MLP(4),
    /** 5: {@code x += B(x)} after the MLP sub-block. */
    AFTER_MLP(5);

    private final int number;

    BranchPosition(int number) {
        this.number = number;
    }

    /** The paper's 1-based position number. */
    public int number() {
        return number;
    }

    /** Position by the paper's number 1..5; anything else is refused naming the allowed range. */
    public static BranchPosition of(int number) {
        for (BranchPosition p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        throw new dev.vptlab.VptlabException("cross-attention insert position " + number + " is out of range 1..5");
    }
}
