package dev.vptlab.report;

import java.util.Arrays;
import java.util.Locale;

/**
 * How many decimals a column of numbers (or a chart axis) is shown with: about four significant digits of its
 * typical value (the median magnitude), the same for every value so that a column lines up. Accuracies in
 * percent get two decimals (71.25), losses three (3.628), ratios four (0.3095), seconds one or two (16.50),
 * values that are all whole numbers none.
 */
final class Decimals {
    private Decimals() {}

    static final int MAX = 4;

    /** The decimals for these values; NaN and infinities are ignored. */
    static int of(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).map(Math::abs).sorted().toArray();
        if (finite.length == 0) {
            return 0;
        }
        boolean whole = true;
        for (double v : finite) {
            whole &= v == Math.rint(v) && v < 1e15;
        }
        if (whole) {
            return 0;
        }
        double typical = finite[finite.length / 2];
        if (typical == 0) { // mostly zeros: size by the largest value instead
            typical = finite[finite.length - 1];
        }
        int intDigits = (int) Math.floor(Math.log10(typical)) + 1; // 71.25 → 2, 3.6 → 1, 0.31 → 0, 0.012 → -1
        return Math.max(0, Math.min(MAX, 4 - intDigits));
    }

    /** The value with {@code decimals} decimals (Locale.ROOT); empty for NaN. */
    static String format(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "−∞";
        }
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        return s.matches("-0(\\.0*)?") ? s.substring(1) : s; // no "-0.00"
    }

    /** A java.text.DecimalFormat pattern with that many decimals, for chart axes. */
    static String pattern(int decimals) {
        return decimals == 0 ? "#,##0" : "#,##0." + "0".repeat(decimals);
    }
}
