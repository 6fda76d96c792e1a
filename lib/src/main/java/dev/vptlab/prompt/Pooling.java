package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.VisionTransformer;

/**
 * The feature fed to the head, as the official code computes it ({@code VIT_POOL_TYPE} in GatedPT's
 * {@code vit_prompt/vit_{mae,moco}.py}, {@code forward_features}; CVPT's {@code CVPT.forward_features} reads
 * CLS). The sequence is [CLS, prompts, patches].
 */
public enum Pooling {
    /** MoCo v3, in21k, CVPT: {@code LN_final(x)[:, 0]}. */
    CLS,
    /** MAE in Gated PT ("original" = imgprompt_pool): {@code LN_final(mean(x[:, 1:]))}, prompts and patches. */
    MEAN_PROMPTS_AND_PATCHES,
    /** img_pool option: {@code LN_final(mean of the patch tokens))}. */
    MEAN_PATCHES,
    /** prompt_pool option: {@code LN_final(mean of the prompt tokens))}. */
    MEAN_PROMPTS;

    public NDArray apply(VisionTransformer vit, ParameterStore ps, NDArray x, int prompts, boolean training) {
        return switch (this) {
            case CLS -> vit.finalNorm(ps, x.get(":, 0, :"), training);
            case MEAN_PROMPTS_AND_PATCHES -> vit.finalNorm(ps, x.get(":, 1:, :").mean(new int[] {1}), training);
            case MEAN_PATCHES -> vit.finalNorm(ps, x.get(":, " + (1 + prompts) + ":, :").mean(new int[] {1}), training);
            case MEAN_PROMPTS -> {
                if (prompts == 0) {
                    throw new dev.vptlab.VptlabException("prompt pooling needs prompt tokens in the sequence; this method has none");
                }
                yield vit.finalNorm(ps, x.get(":, 1:" + (1 + prompts) + ", :").mean(new int[] {1}), training);
            }
        };
    }

    /**
     * The default per backbone source: mean for MAE, CLS otherwise (GatedPT's "original" pooling; CLS for a
     * supervised ViT is our choice, the GatedPT paper does not describe its supervised setup).
     */
    public static Pooling forBackbone(String backbone) {
        return backbone.toLowerCase(java.util.Locale.ROOT).contains("mae") ? MEAN_PROMPTS_AND_PATCHES : CLS;
    }
}
