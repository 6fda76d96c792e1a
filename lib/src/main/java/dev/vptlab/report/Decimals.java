package dev.vptlab.report;

import java.util.Arrays;
import java.util.Locale;

/**
 * How many decimals a column of numbers (or a chart axis) is shown with: about four significant digits of its
 * typical value (the median magnitude), the same for every value so that a column lines up. Accuracies in
 * percent get two decimals (71.25), losses three (3.628), ratios four (0.3095), seconds one or two (16.50),
 * values that are all whole numbers none; fewer where every value already has fewer (8.59, not 8.590).
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
        int wanted = Math.max(0, Math.min(MAX, 4 - intDigits));
        // No trailing zeros that the values do not have: accuracies already rounded to 0.01 stay "8.59", not "8.590".
        for (int d = 0; d < wanted; d++) {
            if (exactAt(finite, d)) {
                return d;
            }
        }
        return wanted;
    }

    private static boolean exactAt(double[] values, int decimals) {
        double scale = Math.pow(10, decimals);
        for (double v : values) {
            double x = v * scale;
            if (Math.abs(x - Math.rint(x)) > 1e-6 * Math.max(1, Math.abs(x))) {
                return false;
            }
        }
        return true;
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

    /**
     * The decimals for a chart axis over these values: enough to tell apart ticks about a tenth of the range
     * apart (a flat series: a tenth of its value), so that 30–42 % reads "30, 32, …" and ratios 0.2–0.7 "0.25".
     */
    static int forAxis(double[] values) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean whole = true;
        for (double v : values) {
            if (Double.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
                whole &= v == Math.rint(v);
            }
        }
        if (lo > hi) {
            return 0;
        }
        double range = hi - lo;
        if (whole && (range == 0 || range >= 4)) { // counts, epochs, prompts: ticks fall on whole numbers
            return 0;
        }
        if (range == 0) {
            range = Math.abs(hi) == 0 ? 1 : Math.abs(hi) / 10; // XChart spreads a flat series over ±5 %
        }
        // Ticks land about a tenth of the range apart, on "nice" steps: 1.5 × range / 10 bounds the step's decimals.
        double step = 1.5 * range / 10;
        return Math.max(0, Math.min(MAX, (int) Math.ceil(-Math.log10(step))));
    }

    /** A java.text.DecimalFormat pattern with that many decimals, for chart axes. */
    static String pattern(int decimals) {
        return decimals == 0 ? "#,##0" : "#,##0." + "0".repeat(decimals);
    }
}
