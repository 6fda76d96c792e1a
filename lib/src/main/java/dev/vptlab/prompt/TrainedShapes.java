package dev.vptlab.prompt;

import dev.vptlab.checkpoint.RawTensor;
import java.util.HashMap;
import java.util.Map;

/**
 * What a file of trained tensors says about the method that trained it, read from the names ({@link OfficialNames})
 * and shapes alone: prompt count (shallow/deep {@code prompts} [1, N_p, D], CVPT {@code cross_prompts} [L, M, D]),
 * class count ({@code head.weight} [C, D]), and whether gates ({@code gate_logits}) and temperatures
 * ({@code temperatures}) were trained, and whether prompts are deep ({@code deep_prompts}). Null where the file
 * does not say.
 */
public record TrainedShapes(Integer prompts, Integer classes, boolean gates, boolean temperature, boolean cross, boolean deep) {

    public static TrainedShapes of(Map<String, RawTensor> trained) {
        Map<String, long[]> byName = new HashMap<>();
        trained.forEach((k, t) -> {
            String n = OfficialNames.toVptlab(k.startsWith("param/") ? k.substring("param/".length()) : k);
            if (n != null) {
                byName.put(n, t.shape());
            }
        });
        long[] p = byName.containsKey("cross_prompts") ? byName.get("cross_prompts") : byName.get("prompts");
        long[] head = byName.get("head.weight");
        return new TrainedShapes(p != null && p.length == 3 ? (int) p[1] : null,
                head != null && head.length == 2 ? (int) head[0] : null,
                byName.containsKey("gate_logits"), byName.containsKey("temperatures"), byName.containsKey("cross_prompts"),
                byName.containsKey("deep_prompts"));
    }

    /**
     * The method these tensors belong to when their names alone tell: {@code cvpt} ({@code cross_prompts}) or
     * {@code vpt-deep} ({@code deep_prompts}); null otherwise (shallow prompts fit vpt-shallow and gated alike).
     */
    public String method() {
        return cross ? "cvpt" : deep ? "vpt-deep" : null;
    }
}
