package dev.vptlab.util;

import dev.vptlab.VptlabException;
import java.util.Map;

/** Reading values back from a config map as a run record stores it (JSON numbers, strings, booleans). */
public final class ConfigMaps {
    private ConfigMaps() {}

    /** The value of {@code k} as text; a missing or null value is an error naming the key. */
    public static String text(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v == null) {
            throw new VptlabException("missing '" + k + "'");
        }
        return v.toString();
    }

    /** The value of {@code k} as a number (a JSON number, or text that parses as one). */
    public static Number number(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof Number n ? n : Double.valueOf(text(m, k));
    }
}
