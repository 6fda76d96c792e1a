package dev.vptlab.prompt;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.Macs;
import dev.vptlab.model.SavedActivations;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import java.util.List;
import java.util.Map;

/**
 * Everything that defines one prompt method, in one immutable value with the papers' defaults: its id, how
 * many prompts, its own settings, how it builds its hooks on a backbone, how its head starts, what a forward
 * costs, and which names its tensors carry in the official files. Each method's record sits in the same file
 * as its hooks ({@link VptShallow.Config}, {@link VptDeep.Config}, {@link GatedPrompts.Config},
 * {@link CrossVisualPrompts.Config}); the CLI, recipes, run records and reports ask the config instead of
 * switching on ids. A new method implements this interface and registers a {@link Methods.Type}.
 */
public interface MethodConfig {
    /** The id in run records and on the command line ({@code vpt-shallow}, {@code gated}, …). */
    String id();

    /** Prompt tokens (VPT, gated) or prompts per block (CVPT). */
    int prompts();

    /** Prompt dropout rate (0.1 in all three official codes). */
    float dropout();

    /** The 1-based block before which prompts first enter the sequence (the block-location study's k). */
    default int insertBlock() {
        return 1;
    }

    /**
     * The training recipe family of the paper that introduced the method: {@code gated} (SGD with momentum and the
     * Gated PT cosine schedule, as the VPT and Gated PT code train) or {@code cvpt} (AdamW with timm's cosine).
     */
    default String recipe() {
        return "gated";
    }

    /**
     * Whether the method's paper reports the best test accuracy over the epochs tested (the official CVPT
     * {@code train.py} keeps the best) rather than the last epoch's (VPT and Gated PT).
     */
    default boolean reportsBestTestEpoch() {
        return false;
    }

    /** Builds the method's hooks on {@code vit}, allocating its tensors on {@code m}. */
    PromptMethod build(VisionTransformer vit, NDManager m);

    /** How the classification head starts: the Gated PT / VPT code's unless the method's own code differs. */
    default ClassifierHead.Init headInit() {
        return ClassifierHead.Init.GATED;
    }

    /**
     * Forward multiply-adds per image on {@code c}: patch embedding plus every block over the tokens it sees,
     * plus anything the method adds (no head).
     */
    default long forwardMacs(VitConfig c) {
        long macs = Macs.patchEmbed(c);
        for (int i = 0; i < c.depth(); i++) {
            macs += Macs.block(c, c.numTokens() + promptTokensAt(i));
        }
        return macs;
    }

    /** Prompt tokens in the sequence that block {@code i} (0-based) sees: all of them from the insert block on. */
    default int promptTokensAt(int i) {
        return i >= insertBlock() - 1 ? prompts() : 0;
    }

    /**
     * Floats autograd keeps for the backward pass of block {@code i} (0-based) over a training batch of
     * {@code batch} images (formulas: {@link SavedActivations}); 0 for the blocks before any trainable tensor feeds
     * the sequence. By default a plain block over its tokens from the insert block on, and the prompt-dropout mask
     * where the prompts enter.
     */
    default long savedFloats(VitConfig c, int i, long batch) {
        if (i < insertBlock() - 1) {
            return 0;
        }
        long mask = dropout() > 0 && i == insertBlock() - 1 ? batch * prompts() * c.embedDim() : 0;
        return SavedActivations.block(c, c.numTokens() + promptTokensAt(i), batch) + mask;
    }

    /**
     * Whether block {@code i}'s output, prompts included, enters block {@code i + 1} as it is, so that autograd keeps it
     * there already (false for VPT-deep, which puts a new sequence into every block).
     */
    default boolean passesOutputOn(int i) {
        return i >= insertBlock() - 1;
    }

    /**
     * The method's own settings as run records keep them (after {@code method}, {@code prompts} and
     * {@code prompt_dropout}), JSON-ready values in a fixed order.
     */
    Map<String, Object> settings();

    /**
     * Every setting key the method knows: those of {@link #settings()}, plus any it records only when it differs from
     * its default (so that records made before the setting existed still match).
     */
    default java.util.Set<String> settingKeys() {
        return settings().keySet();
    }

    /** A copy with {@code settings}' values for the keys this method knows; other keys are ignored. */
    MethodConfig withSettings(Map<String, ?> settings);

    MethodConfig withPrompts(int prompts);

    MethodConfig withDropout(float dropout);

    /** Official trainable-parameter names (matched as key suffixes) → vptlab's names, most specific first. */
    default List<Map.Entry<String, String>> officialNames() {
        return List.of();
    }

    /** Makes a task's head: on a manager, for features of a width, initialised as the method says. */
    @FunctionalInterface
    interface HeadFactory {
        Head make(NDManager m, int dim, ClassifierHead.Init init);
    }

    /** A complete model: the method built on {@code vit}, then pooling and a fresh head from {@code head}. */
    default PromptedVit model(VisionTransformer vit, NDManager m, Pooling pooling, HeadFactory head) {
        PromptMethod pm = build(vit, m); // before the head: the seeded draws keep their order
        return new PromptedVit(vit, pm, pooling, head.make(m, vit.config().embedDim(), headInit()), m);
    }

    /** A complete classification model with a fresh head for {@code classes} classes. */
    default PromptedVit model(VisionTransformer vit, NDManager m, Pooling pooling, int classes) {
        return model(vit, m, pooling, (hm, dim, init) -> new ClassifierHead(hm, dim, classes, init));
    }

    /** The registered method {@code id} with its defaults and {@code prompts} prompts. */
    static MethodConfig of(String id, int prompts) {
        return Methods.type(id).defaults(prompts);
    }
}
