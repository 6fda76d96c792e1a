package dev.vptlab.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * {@link Show} under JJava: a kernel built from jjava-jupyter's own classes is installed as the notebook kernel
 * (as JJava's kernel does at start-up), and every output {@code Show} makes must reach its {@code display} as a
 * {@code DisplayData} with the rich MIME type and a text/plain alternative.
 */
class JJavaDisplayTest {

    /** A JJava kernel that records what it is asked to display instead of sending it to a Jupyter frontend. */
    static final class RecordingKernel extends BaseKernel {
        final List<DisplayData> shown = new ArrayList<>();

        RecordingKernel(Builder b) {
            super("test", "1.0", null, List.of(), null, b.io(), b.comms(), b.renderer(), null, null, false,
                    b.styler());
        }

        @Override
        public void display(DisplayData data) {
            shown.add(data);
        }

        void install() {
            installNotebookKernel();
        }

        void uninstall() {
            uninstallNotebookKernel();
        }

        @Override
        public Object evalRaw(String expr) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DisplayData inspect(String code, int at, boolean extraDetail) {
            return null;
        }

        @Override
        public ReplacementOptions complete(String code, int at) {
            return null;
        }

        @Override
        public String isComplete(String code) {
            return IS_COMPLETE_YES;
        }
    }

    /** jjava-jupyter's builder supplies the kernel's I/O, comm manager, renderer and error styler. */
    static final class Builder extends BaseKernelBuilder<Builder, RecordingKernel> {
        @Override
        public RecordingKernel build() {
            return new RecordingKernel(this);
        }

        org.dflib.jjava.jupyter.kernel.JupyterIO io() {
            return buildJupyterIO(buildJupyterIOEncoding());
        }

        org.dflib.jjava.jupyter.kernel.comm.CommManager comms() {
            return buildCommManager();
        }

        org.dflib.jjava.jupyter.kernel.display.Renderer renderer() {
            return buildRenderer();
        }

        org.dflib.jjava.jupyter.kernel.util.StringStyler styler() {
            return buildErrorStyler();
        }
    }

    private RecordingKernel kernel;

    @BeforeEach
    void installKernel() {
        kernel = new Builder().build();
        kernel.install();
        Show.redetect();
    }

    @AfterEach
    void uninstallKernel() {
        kernel.uninstall();
        Show.redetect();
    }

    @Test
    void detectsJJavasNotebookKernel() {
        assertEquals(Show.Kernel.JJAVA, Show.kernel());
    }

    @Test
    void chartsArriveAsPngImages() throws Exception {
        XYChart chart = new XYChartBuilder().width(320).height(200).title("acc vs k").build();
        chart.addSeries("mae", new double[] {1, 2, 3}, new double[] {50, 60, 55});
        Show.chart(chart);

        assertEquals(1, kernel.shown.size());
        DisplayData d = kernel.shown.get(0);
        Object png = d.getData(MIMEType.parse("image/png"));
        assertTrue(png instanceof String, "image/png must be base64 text, got " + png);
        byte[] bytes = Base64.getDecoder().decode((String) png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(bytes));
        assertEquals(320, back.getWidth());
        assertEquals(200, back.getHeight());
        assertEquals("[chart \"acc vs k\": 320×200 px PNG, shown in notebooks only]",
                d.getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void tablesArriveAsHtmlWithATextAlternative() {
        Table t = Table.create("results", StringColumn.create("method", "vpt-deep", "gated"),
                DoubleColumn.create("top1", 71.25, 73.5));
        Show.table(t);
        Show.markdown("**bold**");

        assertEquals(2, kernel.shown.size());
        Object html = kernel.shown.get(0).getData(MIMEType.TEXT_HTML);
        assertTrue(html instanceof String s && s.contains("<table") && s.contains(">vpt-deep</td>"), "" + html);
        Object text = kernel.shown.get(0).getData(MIMEType.TEXT_PLAIN);
        assertTrue(text instanceof String s && s.contains("vpt-deep") && !s.contains("<"), "" + text);
        assertEquals("**bold**", kernel.shown.get(1).getData(MIMEType.parse("text/markdown")));
    }

    @Test
    void withoutANotebookKernelOutputIsText() {
        kernel.uninstall();
        Show.redetect();
        assertEquals(Show.Kernel.NONE, Show.kernel());
        kernel.install(); // for @AfterEach
    }
}
