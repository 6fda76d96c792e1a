package dev.vptlab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

/** How numbers are rounded in tables and on chart axes, and how charts show series that coincide. */
class DecimalsTest {

    @Test
    void columnsGetAboutFourSignificantDigitsOfTheirTypicalValue() {
        assertEquals(2, Decimals.of(new double[] {71.25, 9.5, 100.0}));
        assertEquals(3, Decimals.of(new double[] {3.628049373626709, 2.1}));
        assertEquals(4, Decimals.of(new double[] {0.30951482244998696, 0.5}));
        assertEquals(4, Decimals.of(new double[] {0.0123, 0.0004}));  // capped
        assertEquals(0, Decimals.of(new double[] {1, 50, 200}));       // whole numbers
        assertEquals(0, Decimals.of(new double[] {Double.NaN}));
        assertEquals(1, Decimals.of(new double[] {0, 0, 123.45}));     // mostly zeros: the largest decides
        assertEquals(2, Decimals.of(new double[] {8.59, 7.81}));        // already rounded: no trailing zero
        assertEquals(1, Decimals.of(new double[] {0.5, 0.25 + 0.25}));
        assertEquals("16.50", Decimals.format(16.499823427, 2));
        assertEquals("0.00", Decimals.format(-0.0001, 2));
        assertEquals("", Decimals.format(Double.NaN, 2));
    }

    @Test
    void axisTicksAreRoundedToTheirSpacing() {
        assertEquals(0, Decimals.forAxis(new double[] {30.1, 41.3, 16.5}));   // ticks 2 apart
        assertEquals(2, Decimals.forAxis(new double[] {0.01, 0.28}));          // ticks 0.05 apart
        assertEquals(3, Decimals.forAxis(new double[] {0.0530, 0.0628}));      // ticks 0.001 apart
        assertEquals(1, Decimals.forAxis(new double[] {16.5, 16.5}));          // a flat series
        assertEquals(0, Decimals.forAxis(new double[] {0}));                   // one epoch
        assertEquals(0, Decimals.forAxis(new double[] {1, 5, 10, 50}));        // whole numbers
        assertEquals("#,##0.00", Decimals.pattern(2));
        assertEquals("#,##0", Decimals.pattern(0));
    }

    @Test
    void aSeriesEqualToAnEarlierOneIsNamedAsSuch() {
        double[] x = {1, 10, 100};
        XYChart c = Charts.lines("t", "x", "y", List.of(new Charts.Series("vpt-deep", x, new double[] {1, 2, 3}),
                new Charts.Series("cvpt", x, new double[] {1, 2, 3}),
                new Charts.Series("gated", x, new double[] {1, 2, 4})), true);
        assertEquals(List.of("vpt-deep", "cvpt (= vpt-deep)", "gated"), List.copyOf(c.getSeriesMap().keySet()));
    }
}
