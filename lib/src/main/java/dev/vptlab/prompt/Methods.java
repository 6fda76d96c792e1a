package dev.vptlab.prompt;

import dev.vptlab.VptlabException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** The registry of prompt methods by id: the four built in, and any a user registers. */
public final class Methods {
    /**
     * A method as the registry knows it.
     *
     * @param id the id run records and the CLI use
     * @param summary one line for help texts and tables
     * @param defaults the method with the papers' defaults and the given number of prompts
     */
    public record Type(String id, String summary, IntFunction<MethodConfig> defaults) {
        public MethodConfig defaults(int prompts) {
            if (prompts < 1) {
                throw new VptlabException("number of prompts " + prompts + " must be at least 1");
            }
            return defaults.apply(prompts);
        }
    }

    private static final Map<String, Type> TYPES = new LinkedHashMap<>();

    static {
        register(VptShallow.TYPE);
        register(VptDeep.TYPE);
        register(GatedPrompts.TYPE);
        register(CrossVisualPrompts.TYPE);
    }

    private Methods() {}

    /** Makes {@code t} known by its id (again: the newer registration wins). */
    public static synchronized void register(Type t) {
        TYPES.put(t.id(), t);
    }

    /** The ids known, the built-in four first, in the papers' order. */
    public static synchronized List<String> ids() {
        return List.copyOf(TYPES.keySet());
    }

    /** The built-in methods' ids: vpt-shallow, vpt-deep, gated, cvpt. */
    public static List<String> builtIn() {
        return List.of(VptShallow.TYPE.id(), VptDeep.TYPE.id(), GatedPrompts.TYPE.id(), CrossVisualPrompts.TYPE.id());
    }

    public static synchronized Type type(String id) {
        Type t = TYPES.get(id);
        if (t == null) {
            throw new VptlabException("unknown method '" + id + "'; known: " + String.join(", ", TYPES.keySet()));
        }
        return t;
    }

    /** The method a run record describes: {@code method}, {@code prompts}, {@code prompt_dropout} and its settings. */
    public static MethodConfig fromRecord(Map<String, ?> m) {
        Object id = m.get("method");
        if (id == null || !m.containsKey("prompts")) {
            throw new VptlabException("missing 'method' or 'prompts'");
        }
        MethodConfig c = type(id.toString()).defaults(Settings.getInt(m, "prompts", 0));
        if (m.containsKey("prompt_dropout")) {
            c = c.withDropout(Settings.getFloat(m, "prompt_dropout", c.dropout()));
        }
        return c.withSettings(m);
    }

    /** The record fields of {@code c}: method, prompts, prompt_dropout, then its own settings. */
    public static Map<String, Object> toRecord(MethodConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", c.id());
        m.put("prompts", c.prompts());
        m.put("prompt_dropout", (double) c.dropout());
        m.putAll(c.settings());
        return m;
    }

    /** Every registered method's official names, each method's most specific first. */
    public static synchronized List<Map.Entry<String, String>> officialNames() {
        List<Map.Entry<String, String>> all = new ArrayList<>();
        for (Type t : TYPES.values()) {
            all.addAll(t.defaults(1).officialNames());
        }
        return all;
    }
}
