package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.VisionTransformer;

/**
 * VPT-deep (Jia et al. 2022; the VPT code as kept in the GatedPT fork, {@code src/models/vit_prompt/vit_mae.py},
 * {@code PromptedVisionTransformer.forward_features}): prompts enter before block 1 as in VPT-shallow, and
 * before each later block the prompt slice is discarded and replaced by that block's own prompts. The
 * last block's prompt outputs are kept (they reach the MAE mean pool).
 */
public final class VptDeep extends PromptMethod {
    private final int numPrompts;
    private final float dropout;
    private final NDArray prompts;
    private final NDArray deepPrompts;

    public VptDeep(VisionTransformer vit, NDManager m, int numPrompts, float dropout) {
        super(vit);
        requireRange("number of prompts", numPrompts, 1, 100_000);
        this.numPrompts = numPrompts;
        this.dropout = dropout;
        float a = PromptInit.vptBound(vit.config());
        this.prompts = register("prompts", uniform(m, a, new Shape(1, numPrompts, dim)));
        this.deepPrompts = register("deep_prompts", uniform(m, a, new Shape(depth - 1, numPrompts, dim)));
    }

    @Override
    public String id() {
        return "vpt-deep";
    }

    @Override
    public int promptTokensInSequence() {
        return numPrompts;
    }

    @Override
    public NDArray beforeBlock(int i, NDArray x, boolean training) {
        long b = x.getShape().get(0);
        if (i == 0) {
            return TokenSequence.insert(x, PromptDropout.apply(prompts, b, dropout, training));
        }
        NDArray p = deepPrompts.get((i - 1) + ":" + i);
        return TokenSequence.replace(x, PromptDropout.apply(p, b, dropout, training), numPrompts);
    }
}
