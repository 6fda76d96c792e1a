package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The prompt-method options shared by {@code train}, {@code sweep}, {@code eval} and {@code model}. Each option
 * is a setting of the method it names (its record key); the method reads the settings it knows, and an option
 * meant for another method is an error.
 */
final class MethodOptions {
    @Option(names = "--method", description = "vpt-shallow, vpt-deep, gated, cvpt or a registered method (default: the recipe's).")
    String method;

    @Option(names = "--prompts", description = "Prompt tokens (VPT, gated) or prompts per block (CVPT).")
    Integer prompts;

    @Option(names = "--insert-block", description = "vpt-shallow: 1-based block where prompts first enter.")
    Integer insertBlock;

    @Option(names = "--gate-init", description = "gated: Table 5's GATE INIT (gate logits start at its negative).")
    Float gateInit;

    @Option(names = "--no-gates", description = "gated: gates off (ablation).")
    boolean noGates;

    @Option(names = "--no-temperature", description = "gated: learnable temperature off (ablation).")
    boolean noTemperature;

    @Option(names = "--position", description = "cvpt: cross-attention position 1..5.")
    Integer position;

    @Option(names = "--cross-weights", description = "cvpt: ${COMPLETION-CANDIDATES}.")
    CrossVisualPrompts.Weights crossWeights;

    @Option(names = "--backbone-dropout", paramLabel = "RATE", description = "cvpt: the frozen ViT's plain dropout in"
            + " training (drop_rate: after the position embedding, the attention and cross-attention projections and both"
            + " MLP layers), in [0, 1). Default: the recipe's (ade20k: 0.1 as CVPT's released ADE20K config; fm-seg"
            + " and classification: 0).")
    Float backboneDropout;

    /** Settings read from a file of trained tensors (which parts exist), for any method that has them. */
    Map<String, ?> readFromFile = Map.of();

    /** The option each record key came from, for messages. */
    private static final Map<String, String> OPTION = Map.of("insert_block", "--insert-block", "gate_init", "--gate-init",
            "gates", "--no-gates", "temperature", "--no-temperature", "cross_position", "--position",
            "cross_weights", "--cross-weights", CrossVisualPrompts.Config.DROP_RATE, "--backbone-dropout");

    /** The settings given on the command line, under their record keys. */
    Map<String, Object> given() {
        Map<String, Object> g = new LinkedHashMap<>();
        if (insertBlock != null) g.put("insert_block", insertBlock);
        if (gateInit != null) g.put("gate_init", gateInit);
        if (noGates) g.put("gates", false);
        if (noTemperature) g.put("temperature", false);
        if (position != null) g.put("cross_position", position);
        if (crossWeights != null) g.put("cross_weights", crossWeights.name());
        if (backboneDropout != null) g.put(CrossVisualPrompts.Config.DROP_RATE, backboneDropout);
        return g;
    }

    /**
     * {@code base} (the recipe's method) changed as the options say: another method keeps the base's prompts and
     * dropout and starts from its own defaults, then {@code defaults} (settings the recipe gives any method that
     * knows them), then what a file of trained tensors says, then the options.
     */
    MethodConfig apply(MethodConfig base, Map<String, ?> defaults) {
        MethodConfig m = base;
        if (method != null && !method.equals(base.id())) {
            m = MethodConfig.of(method, base.prompts()).withDropout(base.dropout()).withSettings(defaults);
        }
        if (prompts != null) {
            m = m.withPrompts(prompts);
        }
        return applySettings(m.withSettings(readFromFile), given());
    }

    /** {@code m} with {@code given}; a setting {@code m} does not have is an error naming its option. */
    static MethodConfig applySettings(MethodConfig m, Map<String, Object> given) {
        java.util.Set<String> own = m.settingKeys();
        List<String> foreign = given.keySet().stream().filter(k -> !own.contains(k))
                .map(k -> OPTION.getOrDefault(k, k)).toList();
        if (!foreign.isEmpty()) {
            throw new VptlabException(String.join(", ", foreign) + " do(es) not apply to " + m.id()
                    + (own.isEmpty() ? ", which has no settings" : "; its settings: " + own));
        }
        return m.withSettings(given);
    }
}
