package dev.vptlab.prompt;

import dev.vptlab.model.VitConfig;
import dev.vptlab.model.SavedActivations;
import java.util.Map;
import java.util.List;
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

    /** VPT-deep's settings. */
    public record Config(int prompts, float dropout) implements MethodConfig {
        /** The official VPT and Gated PT names ({@code prompt_embeddings}, {@code deep_prompt_embeddings}, the head's). */
        static final List<Map.Entry<String, String>> OFFICIAL_NAMES = List.of(
                Map.entry("deep_prompt_embeddings", "deep_prompts"),
                Map.entry("prompt_embeddings", "prompts"),
                Map.entry("head.last_layer.weight", "head.weight"),
                Map.entry("head.last_layer.bias", "head.bias"));

        public Config {
            requireRange("number of prompts", prompts, 1, 100_000);
            requireDropout(dropout);
        }

        /** The method with its papers' defaults. */
        public static Config of(int prompts) {
            return new Config(prompts, PromptDropout.DEFAULT_RATE);
        }

        @Override
        public String id() {
            return TYPE.id();
        }

        @Override
        public PromptMethod build(VisionTransformer vit, NDManager m) {
            return new VptDeep(vit, m, prompts, dropout);
        }

        /** A plain block over N + P tokens and, since new prompts enter every block, a prompt-dropout mask in each. */
        @Override
        public long savedFloats(VitConfig c, int i, long batch) {
            long mask = dropout > 0 ? batch * prompts * c.embedDim() : 0;
            return SavedActivations.block(c, c.numTokens() + prompts, batch) + mask;
        }

        @Override
        public boolean passesOutputOn(int i) {
            return false;
        }

        @Override
        public int promptTokensAt(int i) {
            return prompts;
        }

        @Override
        public Map<String, Object> settings() {
            return Map.of();
        }

        @Override
        public Config withSettings(Map<String, ?> s) {
            return this;
        }

        @Override
        public Config withPrompts(int n) {
            return new Config(n, dropout);
        }

        @Override
        public Config withDropout(float p) {
            return new Config(prompts, p);
        }

        @Override
        public List<Map.Entry<String, String>> officialNames() {
            return OFFICIAL_NAMES;
        }
    }

    public static final Methods.Type TYPE = new Methods.Type("vpt-deep",
            "VPT-deep (Jia et al. 2022, Sec. 3.2): new prompts before every block",
            Config::of);
}
