package dev.vptlab.report;

import dev.vptlab.util.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.style.Styler;

/**
 * The figures the papers draw, redrawn from run records with XChart (headless, no display needed):
 * accuracy versus the first insertion block (Yoo et al. Fig. 1), per-task bars, and the like. Every chart
 * renders to a {@link BufferedImage} (for notebooks) or a PNG file (written atomically).
 */
public final class Charts {
    private Charts() {}

    /** One line per series; x and y of equal length. */
    public record Series(String name, double[] x, double[] y) {}

    /** Accuracy against the 1-based first insertion block, one line per backbone. */
    public static XYChart blockLocation(String title, List<Series> perBackbone) {
        XYChart c = new XYChartBuilder().width(720).height(440).title(title).xAxisTitle("first insertion block k")
                .yAxisTitle("test top-1 (%)").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE); // inside, it covered a line
        addLines(c, perBackbone);
        return c;
    }

    /**
     * Lines of y against x (accuracy vs number of prompts, throughput vs prompts, …); a logarithmic x axis
     * when {@code logX}.
     */
    public static XYChart lines(String title, String xTitle, String yTitle, List<Series> series, boolean logX) {
        XYChart c = new XYChartBuilder().width(720).height(440).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setXAxisLogarithmic(logX);
        addLines(c, series);
        return c;
    }

    /**
     * One value per block (1-based), e.g. the gate selection ratio σ(γ_l) after block l (Yoo et al. Fig. 4)
     * or the learned attention temperature of block l; one bar group per block, one bar per series.
     */
    public static CategoryChart perBlock(String title, String yTitle, Map<String, double[]> series) {
        CategoryChart c = new CategoryChartBuilder().width(720).height(400).title(title).xAxisTitle("block")
                .yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        series.forEach((name, v) -> {
            List<Integer> blocks = new java.util.ArrayList<>();
            List<Double> values = new java.util.ArrayList<>();
            for (int i = 0; i < v.length; i++) {
                blocks.add(i + 1);
                values.add(v[i]);
            }
            c.addSeries(name, blocks, values);
        });
        c.getStyler().setYAxisDecimalPattern(Decimals.pattern(Decimals.forAxis(
                series.values().stream().flatMapToDouble(java.util.Arrays::stream).toArray())));
        return c;
    }

    /** Grouped bars: one group per category (e.g. task), one bar per series (e.g. method). */
    public static CategoryChart bars(String title, String yTitle, List<String> categories, Map<String, List<Double>> series) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(440).title(title).yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setXAxisLabelRotation(30);
        series.forEach((name, values) -> c.addSeries(name, categories, values));
        c.getStyler().setYAxisDecimalPattern(Decimals.pattern(Decimals.forAxis(series.values().stream()
                .flatMap(List::stream).filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).toArray())));
        return c;
    }

    /**
     * Adds the lines with axis ticks rounded like table numbers ({@link Decimals}). A series that coincides
     * with an earlier one (same x and y) would be hidden under it: it is drawn dashed with other markers, and its
     * legend entry says which series it equals.
     */
    private static void addLines(XYChart c, List<Series> series) {
        List<Series> drawn = new java.util.ArrayList<>();
        for (Series s : series) {
            Series same = drawn.stream().filter(d -> java.util.Arrays.equals(d.x(), s.x())
                    && java.util.Arrays.equals(d.y(), s.y())).findFirst().orElse(null);
            String name = same == null ? s.name() : s.name() + " (= " + same.name() + ")";
            XYSeries line = c.addSeries(name, s.x(), s.y());
            if (same != null) {
                line.setLineStyle(SeriesLines.DASH_DASH);
                line.setMarker(SeriesMarkers.CROSS);
            }
            drawn.add(s);
        }
        double[] xs = series.stream().flatMapToDouble(s -> java.util.Arrays.stream(s.x())).toArray();
        // a logarithmic axis puts its ticks on powers of ten: whole numbers when every x is one
        boolean wholeX = java.util.Arrays.stream(xs).allMatch(v -> v == Math.rint(v));
        c.getStyler().setXAxisDecimalPattern(Decimals.pattern(
                c.getStyler().isXAxisLogarithmic() && wholeX ? 0 : Decimals.forAxis(xs)));
        c.getStyler().setYAxisDecimalPattern(Decimals.pattern(Decimals.forAxis(
                series.stream().flatMapToDouble(s -> java.util.Arrays.stream(s.y())).toArray())));
    }

    public static BufferedImage image(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Writes the chart as a PNG, atomically. */
    public static void savePng(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image(chart), "png", out);
            byte[] bytes = out.toByteArray();
            AtomicFiles.write(file, ch -> ch.write(ByteBuffer.wrap(bytes)));
        } catch (IOException e) {
            throw new dev.vptlab.VptlabException(file + ": cannot write PNG: " + e.getMessage(), e);
        }
    }
}
