package dev.vptlab.newmethod;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Methods;
import dev.vptlab.prompt.PromptDropout;
import dev.vptlab.prompt.PromptInit;
import dev.vptlab.prompt.PromptMethod;
import dev.vptlab.prompt.TokenSequence;
import java.util.Map;

/**
 * A method defined outside the library, to show that one file is enough: VPT-deep whose blocks all share one
 * set of prompts (before every block the prompt slice is replaced by the same trainable tokens).
 */
final class SharedDeepPrompts extends PromptMethod {
    private final int numPrompts;
    private final float dropout;
    private final NDArray prompts;

    SharedDeepPrompts(VisionTransformer vit, NDManager m, int numPrompts, float dropout) {
        super(vit);
        this.numPrompts = numPrompts;
        this.dropout = dropout;
        float a = PromptInit.vptBound(vit.config());
        this.prompts = register("shared_prompts", m.randomUniform(-a, a, new Shape(1, numPrompts, dim)));
    }

    @Override
    public String id() {
        return TYPE.id();
    }

    @Override
    public int promptTokensInSequence() {
        return numPrompts;
    }

    @Override
    public NDArray beforeBlock(int i, NDArray x, boolean training) {
        NDArray p = PromptDropout.apply(prompts, x.getShape().get(0), dropout, training);
        return i == 0 ? TokenSequence.insert(x, p) : TokenSequence.replace(x, p, numPrompts);
    }

    /** Its settings: only the common ones. */
    record Config(int prompts, float dropout) implements MethodConfig {
        @Override
        public String id() {
            return TYPE.id();
        }

        @Override
        public PromptMethod build(VisionTransformer vit, NDManager m) {
            return new SharedDeepPrompts(vit, m, prompts, dropout);
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
    }

    static final Methods.Type TYPE = new Methods.Type("vpt-deep-shared", "VPT-deep with one set of prompts for all blocks",
            p -> new Config(p, PromptDropout.DEFAULT_RATE));
}
