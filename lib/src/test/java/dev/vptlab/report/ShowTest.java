package dev.vptlab.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** {@link Show} outside any Jupyter kernel: text on stdout; and the HTML it would send to one. */
class ShowTest {

    private static Table sample() {
        return Table.create("block <sweep>",
                StringColumn.create("method", "vpt & co", "<b>gated</b>", "cvpt"),
                IntColumn.create("k", 1, 12, 3),
                DoubleColumn.create("top1", 71.25, 9.5, 100.0));
    }

    /** Runs {@code r} with System.out captured. */
    private static String stdout(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noKernelOnTheTestClasspath() {
        assertEquals(Show.Kernel.NONE, Show.kernel());
    }

    @Test
    void tableFallsBackToAlignedText() {
        String out = stdout(() -> Show.table(sample()));
        String expected = """
                block <sweep>
                method         k    top1
                ------------  --  ------
                vpt & co       1   71.25
                <b>gated</b>  12    9.50
                cvpt           3  100.00
                """;
        assertEquals(expected, out.replace(System.lineSeparator(), "\n"));
    }

    @Test
    void longTablesAreCutWithACount() {
        Table t = Table.create("n", IntColumn.create("i", new int[] {1, 2, 3, 4, 5}));
        String out = stdout(() -> Show.table(t, 2)).replace(System.lineSeparator(), "\n");
        assertEquals("n\ni\n-\n1\n2\n… 3 more rows (5 in all)\n", out);
        assertTrue(Show.tableHtml(t, 2).contains("… 3 more rows (5 in all)"));
        assertThrows(IllegalArgumentException.class, () -> Show.table(t, -1));
    }

    @Test
    void tableHtmlEscapesEveryCellAndName() {
        String html = Show.tableHtml(sample(), 100);
        assertTrue(html.startsWith("<div class=\"vptlab-table\" style=\"overflow-x:auto"), html);
        assertTrue(html.contains("<table style=\"white-space:nowrap\">"), html);
        assertTrue(html.contains(">block &lt;sweep&gt;</p>"), html);
        assertTrue(html.contains(">vpt &amp; co</td>"), html);
        assertTrue(html.contains(">&lt;b&gt;gated&lt;/b&gt;</td>"), html);
        assertFalse(html.contains("<b>"), html);
        assertTrue(html.contains("<td style=\"text-align:right\">71.25</td>"), html);
        assertEquals(3, html.split("<tr>", -1).length - 2); // header row + 3 rows
    }

    @Test
    void imageAndChartFallBackToOneLine() {
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
        assertEquals("[image: 64×32 px PNG, shown in notebooks only]\n",
                stdout(() -> Show.image(img)).replace(System.lineSeparator(), "\n"));
        XYChart chart = new XYChartBuilder().width(320).height(200).title("acc vs k").build();
        chart.addSeries("mae", new double[] {1, 2, 3}, new double[] {50, 60, 55});
        assertEquals("[chart \"acc vs k\": 320×200 px PNG, shown in notebooks only]\n",
                stdout(() -> Show.chart(chart)).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void pngRoundTrips() throws IOException {
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        img.setRGB(2, 1, 0x336699);
        byte[] png = Show.png(img);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(5, back.getWidth());
        assertEquals(0x336699, back.getRGB(2, 1) & 0xFFFFFF);
    }

    @Test
    void htmlAndMarkdownFallBackToText() {
        String html = stdout(() -> Show.html("<h3>Results &amp; notes</h3><p>top-1 &lt; 80%</p>"));
        assertEquals("Results & notes\ntop-1 < 80%\n", html.replace(System.lineSeparator(), "\n"));
        String md = stdout(() -> Show.markdown("**bold** and `code`"));
        assertEquals("**bold** and `code`\n", md.replace(System.lineSeparator(), "\n"));
    }

    @Test
    void numbersAreRoundedToTheirColumnsMeaning() {
        Table t = Table.create("rounding",
                DoubleColumn.create("top1", 71.2544, 9.5, 100.0),
                DoubleColumn.create("loss", 3.628049373626709, 2.1, 0.99),
                DoubleColumn.create("ratio", 0.30951482244998696, 0.5, 0.0012),
                DoubleColumn.create("seconds", 16.499823427, 120.25, 3.5),
                DoubleColumn.create("gflops", 0.0123456, 0.5, -0.00001),
                DoubleColumn.create("prompts", 1.0, 50.0, 200.0),
                DoubleColumn.create("missing", 1.5, Double.NaN, 2.5));
        Show.Rendered r = Show.render(t, 10);
        assertArrayEquals(new String[] {"71.25", "3.628", "0.3095", "16.50", "0.0123", "1", "1.5"}, r.cells()[0]);
        assertArrayEquals(new String[] {"9.50", "2.100", "0.5000", "120.25", "0.5000", "50", ""}, r.cells()[1]);
        assertArrayEquals(new String[] {"100.00", "0.990", "0.0012", "3.50", "0.0000", "200", "2.5"}, r.cells()[2]);
    }

    @Test
    void columnsWithoutValuesAreLeftOutAndNamed() {
        Table t = Table.create("epochs", IntColumn.create("epoch", 1, 2),
                DoubleColumn.create("val_top1", Double.NaN, Double.NaN),
                StringColumn.create("note", "", ""),
                DoubleColumn.create("train_loss", 2.5, 1.25));
        String text = stdout(() -> Show.table(t)).replace(System.lineSeparator(), "\n");
        assertEquals("""
                epochs
                epoch  train_loss
                -----  ----------
                    1        2.50
                    2        1.25
                columns val_top1, note without values, not shown
                """, text);
        assertTrue(Show.tableHtml(t, 10).contains("<em>columns val_top1, note without values, not shown</em>"));
    }

    @Test
    void escapeCoversTheFiveHtmlCharacters() {
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", Show.escape("<a href=\"x\">&'"));
    }
}
