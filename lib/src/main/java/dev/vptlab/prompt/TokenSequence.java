package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Edits of the token sequence [CLS, prompts, patches] shared by the methods (VPT's "prepend" layout,
 * {@code incorporate_prompt} in the official code): CLS at 0, prompts at 1..N_p, patches after.
 */
public final class TokenSequence {
    private TokenSequence() {}

    /** [CLS, patches] → [CLS, prompts, patches]. Prompts get no position embedding. */
    public static NDArray insert(NDArray x, NDArray prompts) {
        return NDArrays.concat(new NDList(x.get(":, :1, :"), prompts, x.get(":, 1:, :")), 1);
    }

    /** Replaces the n prompt tokens after CLS. */
    public static NDArray replace(NDArray x, NDArray prompts, int n) {
        return NDArrays.concat(new NDList(x.get(":, :1, :"), prompts, x.get(":, " + (1 + n) + ":, :")), 1);
    }

    /** The n prompt tokens after CLS. */
    public static NDArray prompts(NDArray x, int n) {
        return x.get(":, 1:" + (1 + n) + ", :");
    }
}
