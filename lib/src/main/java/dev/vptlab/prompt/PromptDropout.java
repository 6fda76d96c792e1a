package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.Dropout;

/**
 * Prompt dropout with an independent mask per sample and element: the [1, M, D] prompts are first
 * materialised as [B, M, D] and then dropped, as PyTorch's {@code dropout(P.expand(B, -1, -1))} does
 * (VPT/GatedPT {@code incorporate_prompt}, CVPT {@code forward_features}). Dropping before the broadcast
 * would share one mask per batch.
 */
public final class PromptDropout {
    /** The rate of the official VPT, Gated PT and CVPT code. */
    public static final float DEFAULT_RATE = 0.1f;

    private PromptDropout() {}

    /** @param prompts [1, M, D]; @return [B, M, D] (training) or the prompts broadcast to B (evaluation) */
    public static NDArray apply(NDArray prompts, long batch, float rate, boolean training) {
        Shape s = prompts.getShape();
        NDArray expanded = prompts.broadcast(new Shape(batch, s.get(1), s.get(2)));
        return Dropout.apply(expanded, rate, training);
    }
}
