package dev.vptlab.prompt;

import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.model.BranchPosition;
import dev.vptlab.model.VisionTransformer;
import java.util.List;

/**
 * Everything that defines a prompt method, with the papers' defaults: prompt dropout 0.1 (all),
 * gate init 10 and learnable temperatures (Gated PT upstream defaults), CVPT position 3, drop-path 0.1
 * and shared frozen weights. Immutable; the {@code with…} methods derive variants.
 *
 * @param method one of {@link #METHODS}
 * @param prompts prompt tokens (VPT/gated) or prompts per block (CVPT)
 * @param insertBlock 1-based block where VPT-shallow prompts enter (block-location study), 1 = VPT-shallow
 */
public record MethodConfig(String method, int prompts, int insertBlock, float dropout, float gateInit, boolean gates,
        boolean temperature, int position, float dropPath, CrossVisualPrompts.Weights crossWeights) {

    /** The method ids. */
    public static final List<String> METHODS = List.of("vpt-shallow", "vpt-deep", "gated", "cvpt");

    public MethodConfig {
        if (!METHODS.contains(method)) {
            throw new VptlabException("unknown method '" + method + "'; known: " + String.join(", ", METHODS));
        }
        if (prompts < 1) {
            throw new VptlabException("number of prompts " + prompts + " must be at least 1");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new VptlabException("prompt dropout " + dropout + " is out of range [0, 1)");
        }
        if (insertBlock != 1 && !method.equals("vpt-shallow")) {
            throw new VptlabException("--insert-block applies to vpt-shallow only, not " + method);
        }
        BranchPosition.of(position);
    }

    public static MethodConfig of(String method, int prompts) {
        return new MethodConfig(method, prompts, 1, 0.1f, 10f, true, true, 3, 0.1f, CrossVisualPrompts.Weights.SHARED_FROZEN);
    }

    public MethodConfig withInsertBlock(int k) {
        return new MethodConfig(method, prompts, k, dropout, gateInit, gates, temperature, position, dropPath, crossWeights);
    }

    public MethodConfig withGates(float init, boolean on, boolean temp) {
        return new MethodConfig(method, prompts, insertBlock, dropout, init, on, temp, position, dropPath, crossWeights);
    }

    public MethodConfig withCross(int pos, CrossVisualPrompts.Weights w) {
        return new MethodConfig(method, prompts, insertBlock, dropout, gateInit, gates, temperature, pos, dropPath, w);
    }

    public MethodConfig withDropout(float p) {
        return new MethodConfig(method, prompts, insertBlock, p, gateInit, gates, temperature, position, dropPath, crossWeights);
    }

    /** Builds the method on {@code vit}, allocating its tensors on {@code m}. */
    public PromptMethod build(VisionTransformer vit, NDManager m) {
        return switch (method) {
            case "vpt-shallow" -> new VptShallow(vit, m, prompts, insertBlock, dropout);
            case "vpt-deep" -> new VptDeep(vit, m, prompts, dropout);
            case "gated" -> new GatedPrompts(vit, m, prompts, dropout, gateInit, gates, temperature);
            case "cvpt" -> new CrossVisualPrompts(vit, m, prompts, BranchPosition.of(position), dropout, dropPath, crossWeights);
            default -> throw new IllegalStateException(method);
        };
    }

    /** CVPT's head uses PyTorch's default init; VPT and Gated PT share the gated code's head. */
    public ClassifierHead.Init headInit() {
        return method.equals("cvpt") ? ClassifierHead.Init.TORCH_DEFAULT : ClassifierHead.Init.GATED;
    }

    /** A complete model: method, pooling and a fresh head for {@code classes} classes. */
    public PromptedVit model(VisionTransformer vit, NDManager m, Pooling pooling, int classes) {
        PromptMethod pm = build(vit, m);
        return new PromptedVit(vit, pm, pooling, new ClassifierHead(m, vit.config().embedDim(), classes, headInit()), m);
    }
}
