package dev.vptlab.prompt;

import java.util.List;
import java.util.Map;

/**
 * Trainable-parameter names of the official implementations and vptlab's own (GatedPT/VPT
 * {@code prompt_embeddings}, {@code deep_prompt_embeddings}, {@code gate_logit}, {@code temp},
 * {@code head.last_layer.*}; CVPT {@code Prompt_Tokens}, {@code head.*}). Official keys may carry module
 * prefixes ({@code enc.transformer.}, {@code module.}), so they are matched by suffix.
 *
 * <p>vptlab's names: {@code prompts} [1, N_p, D], {@code deep_prompts} [L−1, N_p, D],
 * {@code gate_logits} [L−1], {@code temperatures} [L], {@code cross_prompts} [L, M, D],
 * {@code cross_attn.{i}.{q,k,v,proj}.{weight,bias}} (CVPT learnable-weight ablations),
 * {@code head.weight} [C, D], {@code head.bias} [C].
 */
public final class OfficialNames {
    /** The classification head's names: the Gated PT / VPT code's {@code head.last_layer.*}, CVPT's and ours. */
    private static final List<Map.Entry<String, String>> HEAD = List.of(
            Map.entry("head.last_layer.weight", "head.weight"),
            Map.entry("head.last_layer.bias", "head.bias"),
            Map.entry("head.weight", "head.weight"),
            Map.entry("head.bias", "head.bias"));

    private OfficialNames() {}

    /** vptlab name for a key (official or already vptlab's), or null if no registered method knows it. */
    public static String toVptlab(String key) {
        List<Map.Entry<String, String>> known = new java.util.ArrayList<>(Methods.officialNames());
        known.addAll(HEAD);
        for (Map.Entry<String, String> e : known) {
            String suffix = e.getKey();
            if (key.equals(suffix) || key.endsWith("." + suffix)) {
                return e.getValue();
            }
        }
        for (Map.Entry<String, String> e : known) {
            if (key.equals(e.getValue())) {
                return key; // already vptlab's name
            }
        }
        return key.startsWith("cross_attn.") ? key : null;
    }
}
