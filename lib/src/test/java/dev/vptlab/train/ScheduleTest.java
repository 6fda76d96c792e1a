package dev.vptlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The per-epoch schedules against check tables of the released schedules (GatedPT's
 * {@code WarmupCosineSchedule}, CVPT's timm 0.5.4 {@code CosineLRScheduler}; the tables are rounded, so
 * within 1e-4 relative) and against their formulas exactly.
 */
class ScheduleTest {
    static final double TABLE_TOL = 1e-4;

    static void near(double expected, double actual, String what) {
        near(expected, actual, 0, what);
    }

    /** Within 1e-4 relative, or within {@code halfUlp}, half a unit of the table's last printed digit. */
    static void near(double expected, double actual, double halfUlp, String what) {
        double tol = Math.max(expected == 0 ? 1e-12 : TABLE_TOL * Math.abs(expected), halfUlp);
        assertTrue(Math.abs(actual - expected) <= tol, what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void gatedCosineMatchesSpecTable() {
        int[] e = {0, 1, 5, 9, 10, 11, 20, 50, 55, 90, 99};
        double[] f = {0, 0.1, 0.5, 0.9, 1.0, 0.999695, 0.969846, 0.586824, 0.5, 0.030154, 0.000305};
        GatedCosineSchedule s = Schedules.gatedCosine(0.25);
        for (int i = 0; i < e.length; i++) {
            // the table has 6 decimals, so f(99) = 0.000305 carries only 3 significant digits
            near(f[i], s.factor(e[i]), 5e-7, "f(" + e[i] + ")");
            near(0.25 * f[i], s.lr(e[i]), 0.25 * 5e-7, "lr(" + e[i] + ")");
        }
        assertEquals(0.0, s.lr(0), "epoch 0 trains at lr 0 (warm-up from 0)");
        assertEquals(1.0, s.factor(10));
        assertEquals(0.5, s.factor(55), 1e-15);
    }

    @Test
    void gatedCosineFormulaExactly() {
        GatedCosineSchedule s = Schedules.gatedCosine(1.0);
        for (int e = 0; e < 100; e++) {
            double f = e < 10 ? e / 10.0 : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * (e - 10) / 90.0)));
            assertEquals(f, s.factor(e), 1e-15, "f(" + e + ")");
        }
        assertTrue(s.factor(99) > 0 && s.factor(99) < 3.1e-4);
    }

    @Test
    void gatedCosineWarmupFromOneOption() {
        GatedCosineSchedule s = Schedules.gatedCosine(2.0, 10, 100, false);
        assertEquals(0.2, s.lr(0), 1e-15);
        assertEquals(2.0, s.lr(9), 1e-15);
        assertEquals(2.0, s.lr(10), 1e-15);
        assertEquals(Schedules.gatedCosine(2.0).lr(37), s.lr(37), 0.0, "only the warm-up differs");
    }

    @Test
    void gatedCosineOtherLengths() {
        GatedCosineSchedule s = Schedules.gatedCosine(1.0, 2, 10, true);
        assertEquals(0.0, s.factor(0));
        assertEquals(0.5, s.factor(1), 1e-15);
        assertEquals(1.0, s.factor(2), 1e-15);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 3 / 8.0)), s.factor(5), 1e-15);
        assertTrue(s.factor(9) > 0 && s.factor(9) < 0.04);
        GatedCosineSchedule noWarmup = Schedules.gatedCosine(1.0, 0, 10, true);
        assertEquals(1.0, noWarmup.factor(0), 1e-15);
    }

    @Test
    void timmCosineMatchesSpecTable() {
        int[] e = {0, 1, 2, 5, 9, 10, 11, 12, 50, 98, 99};
        double[] lr = {1.0e-6, 1.0e-6, 1.0090e-4, 4.0060e-4, 8.0020e-4, 9.0010e-4, 9.7577e-4, 9.7074e-4, 5.2055e-4,
            1.2197e-5, 1.0977e-5};
        TimmCosineSchedule s = Schedules.timmCosine(1e-3);
        for (int i = 0; i < e.length; i++) {
            near(lr[i], s.lr(e[i]), "lr(" + e[i] + ")");
        }
    }

    @Test
    void timmCosineFormulaExactly() {
        double base = 3e-3;
        double w = 1e-6;
        double m = 1e-5;
        TimmCosineSchedule s = Schedules.timmCosine(base);
        assertEquals(w, s.lr(0), 0.0);
        for (int e = 1; e < 100; e++) {
            int t = e - 1;
            double expected = t < 10 ? w + t * ((base - w) / 10) : m + 0.5 * (base - m) * (1 + Math.cos(Math.PI * t / 100));
            assertEquals(expected, s.lr(e), 0.0, "lr(" + e + ")");
        }
        // the peak is never reached: ≈0.9·base at epoch 10, ≈0.9758·base at epoch 11
        assertTrue(s.lr(10) < 0.901 * base && s.lr(11) < 0.976 * base);
        assertEquals(m, s.lr(101), 0.0, "past t_initial: lr_min (one cycle)");
    }

    @Test
    void timmCosineOtherLengths() {
        TimmCosineSchedule s = Schedules.timmCosine(1e-3, 2, 10, 1e-6, 1e-5);
        assertEquals(1e-6, s.lr(0), 0.0);
        assertEquals(1e-6, s.lr(1), 0.0);
        assertEquals(1e-6 + (1e-3 - 1e-6) / 2, s.lr(2), 1e-18);
        assertEquals(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * 0.2)), s.lr(3), 1e-18);
        TimmCosineSchedule noWarmup = Schedules.timmCosine(1e-3, 0, 10, 1e-6, 1e-5);
        assertEquals(1e-3, noWarmup.lr(0), 0.0);
        assertEquals(1e-3, noWarmup.lr(1), 1e-18);
    }

    @Test
    void constantAndValidation() {
        assertEquals(0.01, Schedules.constant(0.01).lr(42));
        assertThrows(IllegalArgumentException.class, () -> Schedules.gatedCosine(1).lr(-1));
        assertThrows(IllegalArgumentException.class, () -> Schedules.timmCosine(1).lr(-1));
        assertThrows(IllegalArgumentException.class, () -> Schedules.gatedCosine(1, 20, 10, true));
        assertTrue(Schedules.timmCosine(1e-3).describe().contains("t_initial=100"));
    }
}
