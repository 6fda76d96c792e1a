package dev.vptlab.prompt;

import dev.vptlab.model.VitConfig;
import ai.djl.nn.Activation;
import java.util.Map;
import java.util.List;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.InPlace;

/**
 * Gated Prompt Tuning (Yoo et al., ICML 2023, §4.1–4.2; official code {@code src/models/vit_prompt/vit_mae.py},
 * {@code PromptedVisionTransformer.forward_features}): VPT-shallow prompts, plus
 * <ul>
 *   <li>a gate g_l = σ(γ_l) after each block l = 1..L−1 that replaces <em>only the prompt slice</em> by
 *       g_l·out + (1 − g_l)·in (Eq. 7; the last block is never gated), and
 *   <li>a temperature τ_l per block (all L) dividing every attention logit of that block, clamped to
 *       [0.01, 10] before every forward, in training and evaluation (the code's {@code reinit_temp}; one
 *       temperature for all tokens and heads, the last block included).
 * </ul>
 * Gates and temperatures switch on and off independently (the paper's ablations). γ starts at
 * −gateInit as in the official code, which negates Table 5's positive values. (Our analysis, not the
 * paper's: with gateInit ≥ 10 the gate starts at ≈ 0 with a vanishing gradient, so those prompts pass
 * blocks 1..L−1 almost unchanged.)
 */
public final class GatedPrompts extends PromptMethod {
    /** Temperature clamp range of the official code. */
    public static final float TEMP_MIN = 0.01f;
    public static final float TEMP_MAX = 10f;

    private final int numPrompts;
    private final float dropout;
    private final NDArray prompts;
    private final NDArray gateLogits;
    private final NDArray temperatures;

    /**
     * @param gateInit Table 5's GATE INIT (positive); γ_0 = −gateInit. Ignored when gates are off.
     */
    public GatedPrompts(VisionTransformer vit, NDManager m, int numPrompts, float dropout, float gateInit, boolean gates,
            boolean temperature) {
        super(vit);
        requireRange("number of prompts", numPrompts, 1, 100_000);
        this.numPrompts = numPrompts;
        this.dropout = dropout;
        this.prompts = register("prompts", uniform(m, PromptInit.vptBound(vit.config()), new Shape(1, numPrompts, dim)));
        this.gateLogits = gates ? register("gate_logits", m.full(new Shape(depth - 1), -gateInit)) : null;
        this.temperatures = temperature ? register("temperatures", m.ones(new Shape(depth))) : null;
    }

    @Override
    public String id() {
        return gateLogits != null && temperatures != null ? "gated" : gateLogits != null ? "gated-gates-only"
                : temperatures != null ? "gated-temperature-only" : "gated-off";
    }

    @Override
    public int promptTokensInSequence() {
        return numPrompts;
    }

    /**
     * Projects τ into [0.01, 10] in place, outside autograd (the official code's {@code clamp_} on the
     * parameter data): the gradient is then taken at the clamped value.
     */
    @Override
    public void beginForward(ParameterStore ps, boolean training) {
        if (temperatures == null) {
            return;
        }
        float[] t = temperatures.toFloatArray();
        boolean changed = false;
        for (int i = 0; i < t.length; i++) {
            float c = Math.max(TEMP_MIN, Math.min(TEMP_MAX, t[i]));
            changed |= c != t[i];
            t[i] = c;
        }
        if (changed) {
            InPlace.copy(temperatures, t);
        }
    }

    @Override
    public NDArray beforeBlock(int i, NDArray x, boolean training) {
        if (i == 0) {
            x = TokenSequence.insert(x, PromptDropout.apply(prompts, x.getShape().get(0), dropout, training));
        }
        return x;
    }

    @Override
    public BlockOptions options(ParameterStore ps, int i, boolean training) {
        return temperatures == null ? BlockOptions.PLAIN : BlockOptions.PLAIN.withTemperature(temperatures.get(i));
    }

    /** The prompt slice entering block i, which the gate mixes with the block's prompt output. */
    @Override
    public NDArray keep(int i, NDArray in) {
        return gated(i) ? TokenSequence.prompts(in, numPrompts) : null;
    }

    @Override
    public NDArray afterBlock(int i, NDArray promptsIn, NDArray out) {
        if (!gated(i)) {
            return out;
        }
        NDArray g = Activation.sigmoid(gateLogits.get(i));
        NDArray promptsOut = TokenSequence.prompts(out, numPrompts);
        NDArray mixed = promptsOut.mul(g).add(promptsIn.mul(g.neg().add(1f)));
        return TokenSequence.replace(out, mixed, numPrompts);
    }

    private boolean gated(int i) {
        return gateLogits != null && i < depth - 1;
    }

    /** Current gate values σ(γ_l), l = 1..L−1 (empty when gates are off). */
    public float[] gates() {
        if (gateLogits == null) {
            return new float[0];
        }
        return sigmoid(gateLogits.toFloatArray());
    }

    /** σ(γ), elementwise, in place. */
    public static float[] sigmoid(float[] g) {
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (1 / (1 + Math.exp(-g[i])));
        }
        return g;
    }

    /** Current (clamped) temperatures τ_l, l = 1..L (empty when off). */
    public float[] temperatures() {
        if (temperatures == null) {
            return new float[0];
        }
        return clampTemperatures(temperatures.toFloatArray());
    }

    /** The temperatures a forward pass uses: the parameters clamped to [{@value #TEMP_MIN}, {@value #TEMP_MAX}]. */
    public static float[] clampTemperatures(float[] t) {
        for (int i = 0; i < t.length; i++) {
            t[i] = Math.max(TEMP_MIN, Math.min(TEMP_MAX, t[i]));
        }
        return t;
    }

    /**
     * Gated PT's settings; gates and temperatures switch off independently for the paper's ablations.
     *
     * @param gateInit Table 5's GATE INIT (positive); the gate logits start at its negative
     */
    public record Config(int prompts, float dropout, float gateInit, boolean gates, boolean temperature)
            implements MethodConfig {
        public Config {
            requireRange("number of prompts", prompts, 1, 100_000);
            requireDropout(dropout);
        }

        /** The method with its papers' defaults. */
        public static Config of(int prompts) {
            return new Config(prompts, PromptDropout.DEFAULT_RATE, 10f, true, true);
        }

        @Override
        public String id() {
            return TYPE.id();
        }

        @Override
        public PromptMethod build(VisionTransformer vit, NDManager m) {
            return new GatedPrompts(vit, m, prompts, dropout, gateInit, gates, temperature);
        }

        /**
         * A plain block, plus what the learnable temperature (the division by τ keeps the scaled logits) and the gate
         * (gate · block output keeps the output; none after the last block) make autograd keep.
         */
        @Override
        public long savedFloats(VitConfig c, int i, long batch) {
            long n = c.numTokens() + prompts;
            long logits = temperature ? batch * c.numHeads() * n * n : 0;
            long output = gates && i < c.depth() - 1 ? batch * n * c.embedDim() : 0;
            return MethodConfig.super.savedFloats(c, i, batch) + logits + output;
        }

        @Override
        public int promptTokensAt(int i) {
            return prompts;
        }

        @Override
        public Map<String, Object> settings() {
            Map<String, Object> s = new java.util.LinkedHashMap<>();
            s.put("gate_init", (double) gateInit);
            s.put("gates", gates);
            s.put("temperature", temperature);
            return s;
        }

        @Override
        public Config withSettings(Map<String, ?> s) {
            return new Config(prompts, dropout, Settings.getFloat(s, "gate_init", gateInit),
                    Settings.getBoolean(s, "gates", gates), Settings.getBoolean(s, "temperature", temperature));
        }

        @Override
        public Config withPrompts(int n) {
            return new Config(n, dropout, gateInit, gates, temperature);
        }

        @Override
        public Config withDropout(float p) {
            return new Config(prompts, p, gateInit, gates, temperature);
        }

        public Config withGates(float init, boolean on, boolean temp) {
            return new Config(prompts, dropout, init, on, temp);
        }

        /** The official Gated PT names: VPT's, plus {@code gate_logit} and {@code temp}. */
        @Override
        public List<Map.Entry<String, String>> officialNames() {
            List<Map.Entry<String, String>> n = new java.util.ArrayList<>(VptDeep.Config.OFFICIAL_NAMES);
            n.add(Map.entry("gate_logit", "gate_logits"));
            n.add(Map.entry("temp", "temperatures"));
            return n;
        }
    }

    /** Gated PT's defaults: gate init 10, gates and temperatures on (the official code's defaults). */
    public static final Methods.Type TYPE = new Methods.Type("gated",
            "Gated Prompt Tuning (Yoo et al., ICML 2023): a gate per block on the prompts, an attention temperature",
            Config::of);
}
