package dev.vptlab.report;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Rich output from notebook cells, for whichever Java kernel runs them, with no compile-time dependency on
 * any kernel: the kernel's display API is found by reflection when the first output is shown.
 * <ul>
 *   <li><b>rapaio-jupyter-kernel</b> (3.x): {@code org.rapaio.jupyter.kernel.global.Global.display(String mime,
 *       Object data)} with a {@code String}, published as {@code display_data} of that MIME type (PNG as base64).</li>
 *   <li><b>IJava</b> (1.3; {@code IJava.getKernelInstance()}) and <b>JJava</b> (1.0, its continuation by dflib,
 *       the same API under {@code org.dflib.jjava.jupyter.kernel}; {@code BaseKernel.notebookKernel()}): a
 *       {@code DisplayData} with the rich type and a {@code text/plain} alternative, published with
 *       {@code BaseKernel.display(DisplayData)}.</li>
 *   <li><b>No kernel</b> (the CLI, tests, jshell): plain text on {@code System.out}.</li>
 * </ul>
 * If a kernel's display call fails, the output is printed as text instead, with one warning on
 * {@code System.err}; a notebook cell never fails because of how its output is shown.
 *
 * <p>Long because it is the single place that knows every supported kernel's display API (rapaio, JJava, IJava,
 * none); splitting it would spread the kernel detection over several classes.
 */
public final class Show {
    private Show() {}

    /** Rows shown by {@link #table(Table)}; larger tables end with a "… n more rows" line. */
    public static final int DEFAULT_MAX_ROWS = 200;

    /** The display API found, in the order they are tried. */
    public enum Kernel { RAPAIO, JJAVA, IJAVA, NONE }

    /** Renders HTML. Outside a kernel, its text (tags removed) is printed. */
    public static void html(String html) {
        emit("text/html", html, htmlToText(html));
    }

    /** Renders Markdown. Outside a kernel, the Markdown source is printed. */
    public static void markdown(String markdown) {
        emit("text/markdown", markdown, markdown);
    }

    /** Shows an image as PNG. Outside a kernel, one line describing it is printed. */
    public static void image(BufferedImage image) {
        image(image, "image");
    }

    /** Shows an XChart chart as a PNG ({@link BitmapEncoder#getBufferedImage}, at the chart's own size). */
    public static void chart(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
        String title = chart.getTitle();
        image(BitmapEncoder.getBufferedImage(chart),
                title == null || title.isBlank() ? "chart" : "chart \"" + title + "\"");
    }

    /**
     * Shows a table as an HTML table (all cell text escaped), at most {@value #DEFAULT_MAX_ROWS} rows; numbers
     * with about four significant digits (the same decimals down a column), columns without values left out.
     */
    public static void table(Table table) {
        table(table, DEFAULT_MAX_ROWS);
    }

    /** Shows a table as an HTML table, at most {@code maxRows} rows. Outside a kernel: aligned text. */
    public static void table(Table table, int maxRows) {
        if (maxRows < 0) {
            throw new IllegalArgumentException("maxRows must be >= 0, got " + maxRows);
        }
        emit("text/html", tableHtml(table, maxRows), tableText(table, maxRows));
    }

    /** The display API that outputs go to (detected once per class loader). */
    public static Kernel kernel() {
        return sink().kind();
    }

    // ---------------------------------------------------------------- rendering (package-private for tests)

    static void image(BufferedImage image, String what) {
        String description = String.format(Locale.ROOT, "[%s: %d×%d px PNG, shown in notebooks only]", what,
                image.getWidth(), image.getHeight());
        Sink s = sink();
        if (s.kind() == Kernel.NONE) { // skip the PNG encoding nobody will see
            System.out.println(description);
            return;
        }
        emit("image/png", Base64.getEncoder().encodeToString(png(image)), description);
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, "png", out)) { // no PNG writer for this pixel layout: copy to ARGB
                BufferedImage argb = new BufferedImage(image.getWidth(), image.getHeight(),
                        BufferedImage.TYPE_INT_ARGB);
                Graphics2D g = argb.createGraphics();
                g.drawImage(image, 0, 0, null);
                g.dispose();
                out.reset();
                if (!ImageIO.write(argb, "png", out)) {
                    throw new IllegalStateException("no PNG writer available");
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode image as PNG", e);
        }
    }

    /**
     * What a table shows: its first {@code maxRows} rows as text, numbers with the decimals of their column
     * ({@link Decimals}), and without the columns that hold no value in those rows (named in a note instead).
     */
    record Rendered(String name, List<String> headers, List<Boolean> numeric, String[][] cells, List<String> empty,
            int rows) {
        int shown() {
            return cells.length;
        }

        String footnote() {
            StringBuilder b = new StringBuilder();
            if (shown() < rows) {
                b.append(moreRows(rows - shown())).append(" (").append(rows).append(" in all)");
            }
            if (!empty.isEmpty()) {
                b.append(b.length() > 0 ? "; " : "").append(empty.size() == 1 ? "column " : "columns ")
                        .append(String.join(", ", empty)).append(" without values, not shown");
            }
            return b.toString();
        }
    }

    static Rendered render(Table t, int maxRows) {
        int rows = t.rowCount();
        int shown = Math.min(rows, maxRows);
        List<String> headers = new ArrayList<>();
        List<Boolean> numeric = new ArrayList<>();
        List<String[]> columns = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (Column<?> c : t.columns()) {
            String[] text = new String[shown];
            boolean any = false;
            if (c instanceof NumericColumn<?> n && (c.type() == ColumnType.DOUBLE || c.type() == ColumnType.FLOAT)) {
                double[] v = new double[shown];
                for (int r = 0; r < shown; r++) {
                    v[r] = n.isMissing(r) ? Double.NaN : n.getDouble(r);
                }
                int decimals = Decimals.of(v);
                for (int r = 0; r < shown; r++) {
                    text[r] = Decimals.format(v[r], decimals);
                }
            } else {
                for (int r = 0; r < shown; r++) {
                    text[r] = c.isMissing(r) ? "" : cell(c, r);
                }
            }
            for (String x : text) {
                any |= !x.isEmpty();
            }
            if (!any && shown > 0) {
                empty.add(c.name());
                continue;
            }
            headers.add(c.name());
            numeric.add(numeric(c));
            columns.add(text);
        }
        String[][] cells = new String[shown][columns.size()];
        for (int j = 0; j < columns.size(); j++) {
            for (int r = 0; r < shown; r++) {
                cells[r][j] = columns.get(j)[r];
            }
        }
        return new Rendered(t.name(), headers, numeric, cells, empty, rows);
    }

    /**
     * The table as HTML that reads well in a notebook and in its HTML export: the name as a heading line above
     * (a {@code <caption>} would wrap to the table's width), cells that do not wrap, and a box that scrolls
     * sideways when the table is wider than the page.
     */
    static String tableHtml(Table t, int maxRows) {
        Rendered r = render(t, maxRows);
        StringBuilder b = new StringBuilder(256 + 32 * r.shown() * Math.max(1, r.headers().size()));
        b.append("<div class=\"vptlab-table\" style=\"overflow-x:auto; max-width:100%\">\n");
        String name = r.name();
        if (name != null && !name.isBlank()) {
            b.append("<p style=\"font-weight:bold; margin:0.4em 0\">").append(escape(name)).append("</p>\n");
        }
        b.append("<table style=\"white-space:nowrap\">\n<thead><tr>");
        for (int j = 0; j < r.headers().size(); j++) {
            b.append(r.numeric().get(j) ? "<th style=\"text-align:right\">" : "<th style=\"text-align:left\">")
                    .append(escape(r.headers().get(j))).append("</th>");
        }
        b.append("</tr></thead>\n<tbody>\n");
        for (String[] row : r.cells()) {
            b.append("<tr>");
            for (int j = 0; j < row.length; j++) {
                b.append(r.numeric().get(j) ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">")
                        .append(escape(row[j])).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table>\n");
        String note = r.footnote();
        if (!note.isEmpty()) {
            b.append("<p><em>").append(escape(note)).append("</em></p>\n");
        }
        return b.append("</div>\n").toString();
    }

    static String tableText(Table t, int maxRows) {
        Rendered r = render(t, maxRows);
        int n = r.headers().size();
        String[] header = new String[n];
        int[] width = new int[n];
        boolean[] right = new boolean[n];
        String[][] cells = new String[r.shown()][n];
        for (int j = 0; j < n; j++) {
            header[j] = oneLine(r.headers().get(j));
            width[j] = header[j].length();
            right[j] = r.numeric().get(j);
            for (int i = 0; i < r.shown(); i++) {
                cells[i][j] = oneLine(r.cells()[i][j]);
                width[j] = Math.max(width[j], cells[i][j].length());
            }
        }
        StringBuilder b = new StringBuilder();
        String name = r.name();
        if (name != null && !name.isBlank()) {
            b.append(name).append('\n');
        }
        appendRow(b, header, width, right);
        List<String> rule = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            rule.add("-".repeat(width[j]));
        }
        appendRow(b, rule.toArray(String[]::new), width, right);
        for (String[] row : cells) {
            appendRow(b, row, width, right);
        }
        String note = r.footnote();
        if (!note.isEmpty()) {
            b.append(note).append('\n');
        }
        return b.toString();
    }

    /** Escapes text for HTML element content and attribute values. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    private static final Pattern BLOCK_END = Pattern.compile(
            "(?i)<br\\s*/?>|</(p|div|h[1-6]|li|tr|table|pre|ul|ol|caption)>");
    private static final Pattern CELL_END = Pattern.compile("(?i)</t[dh]>");
    private static final Pattern TAG = Pattern.compile("<[^>]*>");

    /** A readable text version of an HTML fragment: block ends become line breaks, tags go, entities are decoded. */
    static String htmlToText(String html) {
        String s = BLOCK_END.matcher(html).replaceAll("\n");
        s = CELL_END.matcher(s).replaceAll("  ");
        s = TAG.matcher(s).replaceAll("");
        s = s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
        return s.strip().replaceAll("\n[ \t]*\n(\\s*\n)+", "\n\n");
    }

    private static boolean numeric(Column<?> c) {
        ColumnType t = c.type();
        return t == ColumnType.DOUBLE || t == ColumnType.FLOAT || t == ColumnType.INTEGER || t == ColumnType.LONG
                || t == ColumnType.SHORT;
    }

    private static String cell(Column<?> c, int row) {
        String s = c.getString(row);
        return s == null ? "" : s;
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }

    private static String moreRows(int more) {
        return "… " + more + (more == 1 ? " more row" : " more rows");
    }

    private static void appendRow(StringBuilder b, String[] cells, int[] width, boolean[] right) {
        StringBuilder line = new StringBuilder();
        for (int j = 0; j < cells.length; j++) {
            if (j > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(width[j] - cells[j].length());
            line.append(right[j] ? pad + cells[j] : cells[j] + pad);
        }
        b.append(line.toString().stripTrailing()).append('\n');
    }

    // ---------------------------------------------------------------- kernels

    /** Publishes one output: the rich {@code mime} type, with {@code text} as its plain-text alternative. */
    private static void emit(String mime, String data, String text) {
        Sink s = sink();
        try {
            s.display(mime, data, text);
        } catch (Throwable e) { // fall back to text: showing output must never fail a cell
            warnOnce(s.kind(), e);
            printText(text);
        }
    }

    private static void printText(String text) {
        PrintStream out = System.out;
        out.println(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        out.flush();
    }

    private static volatile boolean warned;

    private static void warnOnce(Kernel k, Throwable e) {
        if (!warned) {
            warned = true;
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            System.err.println("vptlab Show: the " + k + " kernel's display call failed (" + cause
                    + "); showing outputs as text");
        }
    }

    interface Sink {
        Kernel kind();

        void display(String mime, String data, String text) throws Exception;
    }

    private static volatile Sink sink;

    private static Sink sink() {
        Sink s = sink;
        if (s == null) {
            synchronized (Show.class) {
                s = sink;
                if (s == null) {
                    s = detect();
                    sink = s;
                }
            }
        }
        return s;
    }

    private static final Sink NONE = new Sink() {
        @Override
        public Kernel kind() {
            return Kernel.NONE;
        }

        @Override
        public void display(String mime, String data, String text) {
            printText(text);
        }
    };

    static Sink detect() {
        Sink s = rapaio();
        if (s == null) {
            s = jjava();
        }
        if (s == null) {
            s = ijava();
        }
        return s == null ? NONE : s;
    }

    /** Forgets the detected kernel, so that the next output detects it again (tests that install a kernel). */
    static void redetect() {
        synchronized (Show.class) {
            sink = null;
        }
    }

    /**
     * rapaio-jupyter-kernel runs cells in its own JVM (jshell's DirectExecutionControl), so its classes are
     * visible to ours through the parent class loader. {@code Global.display(mime, String)} hands a string
     * to the kernel's default renderer, {@code DisplayData.withType(mime, string)}, which {@code
     * MainApp.kernel} publishes on IOPub as a display_data message of exactly that MIME type.
     */
    private static Sink rapaio() {
        Class<?> main = find("org.rapaio.jupyter.kernel.MainApp", false);
        Class<?> global = find("org.rapaio.jupyter.kernel.global.Global", false);
        if (main == null || global == null) {
            return null;
        }
        try {
            // Only the kernel's own JVM has these classes (its -jar); there MainApp.kernel is already running.
            Method display = global.getMethod("display", String.class, Object.class);
            return new Sink() {
                @Override
                public Kernel kind() {
                    return Kernel.RAPAIO;
                }

                @Override
                public void display(String mime, String data, String text) throws Exception {
                    display.invoke(null, mime, data);
                }
            };
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    /** IJava keeps the running kernel in a static field, returned by {@code IJava.getKernelInstance()}. */
    private static Sink ijava() {
        Class<?> ijava = find("io.github.spencerpark.ijava.IJava", true);
        return ijava == null ? null : displayDataSink(Kernel.IJAVA, ijava, "getKernelInstance",
                "io.github.spencerpark.jupyter.kernel.display.DisplayData");
    }

    /**
     * JJava (dflib's maintained continuation of IJava) keeps IJava's design under new package names: the running
     * kernel is {@code org.dflib.jjava.jupyter.kernel.BaseKernel.notebookKernel()} (null outside a notebook), and
     * outputs are {@code org.dflib.jjava.jupyter.kernel.display.DisplayData} objects (jjava-jupyter 1.0).
     */
    private static Sink jjava() {
        Class<?> base = find("org.dflib.jjava.jupyter.kernel.BaseKernel", true);
        return base == null ? null : displayDataSink(Kernel.JJAVA, base, "notebookKernel",
                "org.dflib.jjava.jupyter.kernel.display.DisplayData");
    }

    /**
     * The IJava-shaped display API: a static accessor returns the running kernel (or null), each output is a
     * {@code DisplayData} holding the rich MIME type and a {@code text/plain} alternative ({@code putData},
     * {@code putText}), published with the kernel's {@code display(DisplayData)}.
     */
    static Sink displayDataSink(Kernel kind, Class<?> holder, String kernelAccessor, String dataClassName) {
        try {
            Object kernel = holder.getMethod(kernelAccessor).invoke(null);
            if (kernel == null) {
                return null;
            }
            ClassLoader loader = kernel.getClass().getClassLoader();
            Class<?> dataClass = Class.forName(dataClassName, true, loader);
            Method putData = dataClass.getMethod("putData", String.class, Object.class);
            Method putText = dataClass.getMethod("putText", String.class);
            Method display = kernel.getClass().getMethod("display", dataClass);
            return new Sink() {
                @Override
                public Kernel kind() {
                    return kind;
                }

                @Override
                public void display(String mime, String data, String text) throws Exception {
                    Object d = dataClass.getConstructor().newInstance();
                    putText.invoke(d, text);
                    putData.invoke(d, mime, data);
                    display.invoke(kernel, d);
                }
            };
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    /** Looks a class up through our loader (whose parents hold the kernel), the context loader and the system one. */
    private static Class<?> find(String name, boolean initialize) {
        List<ClassLoader> loaders = new ArrayList<>(3);
        loaders.add(Show.class.getClassLoader());
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(ClassLoader.getSystemClassLoader());
        for (ClassLoader l : loaders) {
            if (l == null) {
                continue;
            }
            try {
                return Class.forName(name, initialize, l);
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return null;
    }
}
