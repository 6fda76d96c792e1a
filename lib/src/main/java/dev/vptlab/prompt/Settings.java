package dev.vptlab.prompt;

import dev.vptlab.VptlabException;
import java.util.Map;

/**
 * Reads a method's settings from a map of record or command-line values (numbers may arrive as JSON doubles or
 * as strings), with the setting's name in every error.
 */
public final class Settings {
    private Settings() {}

    public static int getInt(Map<String, ?> m, String key, int fallback) {
        return m.containsKey(key) ? named(key, () -> toInt(m.get(key))) : fallback;
    }

    public static float getFloat(Map<String, ?> m, String key, float fallback) {
        return m.containsKey(key) ? named(key, () -> toFloat(m.get(key))) : fallback;
    }

    public static boolean getBoolean(Map<String, ?> m, String key, boolean fallback) {
        if (!m.containsKey(key)) {
            return fallback;
        }
        String v = String.valueOf(m.get(key));
        if (!v.equals("true") && !v.equals("false")) {
            throw new VptlabException("setting '" + key + "' is '" + v + "', not true or false");
        }
        return Boolean.parseBoolean(v);
    }

    public static <E extends Enum<E>> E getEnum(Map<String, ?> m, String key, Class<E> type, E fallback) {
        return m.containsKey(key) ? named(key, () -> Enum.valueOf(type, String.valueOf(m.get(key)))) : fallback;
    }

    static int toInt(Object v) {
        double d = v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v));
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new NumberFormatException(v + " is not a whole number");
        }
        return (int) d;
    }

    static float toFloat(Object v) {
        return v instanceof Number n ? n.floatValue() : Float.parseFloat(String.valueOf(v));
    }

    private static <T> T named(String key, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (RuntimeException e) {
            throw new VptlabException("setting '" + key + "': " + e.getMessage(), e);
        }
    }
}
