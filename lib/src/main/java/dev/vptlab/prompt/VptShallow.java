package dev.vptlab.prompt;

import java.util.Map;
import java.util.List;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.VisionTransformer;

/**
 * VPT-shallow (Jia et al. 2022) generalised to the block-location study of Yoo et al. (Fig. 1):
 * N_p prompts are inserted once, before block k (1-based); blocks 1..k−1 see [CLS, patches] only.
 * k = 1 is VPT-shallow.
 *
 * <p>The block-location semantics are <b>our reconstruction</b>: Yoo et al. (Fig. 1) released no code
 * for it, and the caption's "initial insertion point" is read as "prompts enter the sequence before
 * block k". (The paper's text also fits another reading, prompts present from block 1 but not updated by
 * blocks 1..k−1, in which the earlier blocks' CLS and patches attend to them; it is not implemented.)
 */
public final class VptShallow extends PromptMethod {
    private final int numPrompts;
    private final int insertBlock;
    private final float dropout;
    private final NDArray prompts;

    /**
     * @param insertBlock 1-based block before which the prompts enter, 1..depth
     * @param dropout prompt dropout rate (0.1 upstream)
     */
    public VptShallow(VisionTransformer vit, NDManager m, int numPrompts, int insertBlock, float dropout) {
        super(vit);
        requireRange("number of prompts", numPrompts, 1, 100_000);
        requireRange("prompt insert block", insertBlock, 1, depth);
        this.numPrompts = numPrompts;
        this.insertBlock = insertBlock;
        this.dropout = dropout;
        this.prompts = register("prompts", uniform(m, PromptInit.vptBound(vit.config()), new Shape(1, numPrompts, dim)));
    }

    @Override
    public String id() {
        return insertBlock == 1 ? "vpt-shallow" : "vpt-shallow@" + insertBlock;
    }

    @Override
    public int promptTokensInSequence() {
        return numPrompts;
    }

    @Override
    public int firstTrainableBlock() {
        return insertBlock - 1;
    }

    public int insertBlock() {
        return insertBlock;
    }

    @Override
    public NDArray beforeBlock(int i, NDArray x, boolean training) {
        if (i != insertBlock - 1) {
            return x;
        }
        return TokenSequence.insert(x, PromptDropout.apply(prompts, x.getShape().get(0), dropout, training));
    }

    /** VPT-shallow's settings: prompts first enter before block {@code insertBlock} (1 = VPT-shallow). */
    public record Config(int prompts, int insertBlock, float dropout) implements MethodConfig {
        public Config {
            requireRange("number of prompts", prompts, 1, 100_000);
            requireRange("prompt insert block", insertBlock, 1, 10_000);
            requireDropout(dropout);
        }

        /** The method with its papers' defaults. */
        public static Config of(int prompts) {
            return new Config(prompts, 1, PromptDropout.DEFAULT_RATE);
        }

        @Override
        public String id() {
            return TYPE.id();
        }

        @Override
        public PromptMethod build(VisionTransformer vit, NDManager m) {
            return new VptShallow(vit, m, prompts, insertBlock, dropout);
        }

        @Override
        public int promptTokensAt(int i) {
            return i >= insertBlock - 1 ? prompts : 0;
        }

        @Override
        public Map<String, Object> settings() {
            return Map.of("insert_block", insertBlock);
        }

        @Override
        public Config withSettings(Map<String, ?> s) {
            return new Config(prompts, Settings.getInt(s, "insert_block", insertBlock), dropout);
        }

        @Override
        public Config withPrompts(int n) {
            return new Config(n, insertBlock, dropout);
        }

        @Override
        public Config withDropout(float p) {
            return new Config(prompts, insertBlock, p);
        }

        public Config withInsertBlock(int k) {
            return new Config(prompts, k, dropout);
        }

        @Override
        public List<Map.Entry<String, String>> officialNames() {
            return VptDeep.Config.OFFICIAL_NAMES;
        }
    }

    public static final Methods.Type TYPE = new Methods.Type("vpt-shallow",
            "VPT-shallow (Jia et al. 2022, Sec. 3.2), prompts entering before block k (Yoo et al. Fig. 1)",
            Config::of);
}
