package dev.vptlab.notebook;

import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.mini.FashionMnistStats;
import dev.vptlab.mini.MiniBenchmark;
import dev.vptlab.mini.MiniSegmentation;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Pictures of the mini benchmark for the notebooks: sample images of a task, segmentation canvases with their masks. */
public final class Gallery {
    private static final int SCALE = 3;

    private Gallery() {}

    /**
     * The first {@code n} training images of a classification task, in a row, scaled ×3, each captioned with its
     * label's meaning ({@link MiniBenchmark#labelName}) and the task key above.
     */
    public static BufferedImage task(String key, long seed, int n) {
        ImageDataset d = MiniBenchmark.open(key, FashionMnist.load(FashionMnist.locate(), "t10k"), seed).train();
        int shown = Math.min(n, d.size());
        BufferedImage out = canvas(shown, 1, 1);
        Graphics2D g = out.createGraphics();
        text(g);
        g.drawString(key + ": the first " + shown + " training images, with their labels", 4, TITLE - 6);
        rowLabel(g, "image, label", TITLE);
        for (int i = 0; i < shown; i++) {
            int x = MARGIN + i * (TILE + GAP);
            paintGray(out, d.image(i, new Random(0)), x, TITLE);
            caption(g, MiniBenchmark.labelName(key, d.label(i)), x, TITLE + TILE);
        }
        g.dispose();
        return out;
    }

    /**
     * Segmentation canvases (top row, "image") and their per-pixel masks (bottom row, "ground truth"; one colour per
     * class, background black), with a legend of the classes' colours.
     */
    public static BufferedImage segmentation(long seed, int n) {
        MiniSegmentation.Split s = MiniBenchmark.segmentation(FashionMnist.load(FashionMnist.locate(), "t10k"), seed).train();
        int shown = Math.min(n, s.size());
        List<float[]> images = new ArrayList<>();
        List<int[]> masks = new ArrayList<>();
        for (int i = 0; i < shown; i++) {
            images.add(s.image(i));
            masks.add(s.mask(i));
        }
        return segmentationRows("fm-seg: the first " + shown + " training canvases (top) and their masks (bottom)", images,
                List.of("ground truth"), List.of(masks));
    }

    /**
     * Canvases (top row) with, below them, one row of masks per entry of {@code rowNames} (e.g. ground truth, then a
     * model's prediction), one colour per class and background black, and the legend of the classes' colours.
     */
    public static BufferedImage segmentationRows(String title, List<float[]> images, List<String> rowNames, List<List<int[]>> rows) {
        int shown = images.size();
        BufferedImage out = canvas(shown, 1 + rowNames.size(), 2);
        Graphics2D g = out.createGraphics();
        text(g);
        g.drawString(title, 4, TITLE - 6);
        rowLabel(g, "image", TITLE);
        for (int i = 0; i < shown; i++) {
            paintGray(out, images.get(i), MARGIN + i * (TILE + GAP), TITLE);
        }
        int top = TITLE + TILE + LABEL;
        for (int r = 0; r < rowNames.size(); r++) {
            rowLabel(g, rowNames.get(r), top);
            for (int i = 0; i < shown; i++) {
                int[] mask = rows.get(r).get(i);
                int x0 = MARGIN + i * (TILE + GAP);
                for (int y = 0; y < TILE; y++) {
                    for (int x = 0; x < TILE; x++) {
                        out.setRGB(x0 + x, top + y, colour(mask[(y / SCALE) * MiniBenchmark.SIDE + x / SCALE]));
                    }
                }
            }
            top += TILE + LABEL;
        }
        // legend: a swatch and the name of each class, in two lines of six
        for (int c = 0; c < MiniSegmentation.CLASSES; c++) {
            int x = 4 + (c % 6) * 112;
            int y = top + (c / 6) * LABEL;
            g.setColor(new Color(colour(c)));
            g.fillRect(x, y + 3, 10, 10);
            g.setColor(Color.DARK_GRAY);
            g.drawRect(x, y + 3, 10, 10);
            g.drawString(MiniBenchmark.labelName("fm-seg", c), x + 14, y + 12);
        }
        g.dispose();
        return out;
    }

    private static final int TILE = MiniBenchmark.SIDE * SCALE;
    private static final int GAP = 12;
    private static final int TITLE = 22;
    private static final int LABEL = 18;
    private static final int MARGIN = 92; // room for row labels on the left

    /** A white canvas for {@code n} tiles in {@code rows} captioned rows and {@code legendLines} lines below. */
    private static BufferedImage canvas(int n, int rows, int legendLines) {
        int width = Math.max(MARGIN + n * (TILE + GAP), legendLines > 1 ? 6 * 112 + 8 : 0);
        int height = TITLE + rows * (TILE + LABEL) + (legendLines > 1 ? legendLines * LABEL : 0);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return out;
    }

    private static void text(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.DARK_GRAY);
    }

    /** The text centred under a tile whose left edge is x, clipped to the tile's width and gap. */
    private static void caption(Graphics2D g, String text, int x, int y) {
        FontMetrics m = g.getFontMetrics();
        String t = text;
        while (m.stringWidth(t) > TILE + GAP - 2 && t.length() > 1) {
            t = t.substring(0, t.length() - 1);
        }
        g.drawString(t, x + (TILE - m.stringWidth(t)) / 2, y + LABEL - 5);
    }

    private static void rowLabel(Graphics2D g, String text, int top) {
        g.drawString(text, 4, top + TILE / 2 + 4);
    }

    /** Class c's colour in masks: black for the background, evenly spaced hues for the ten item classes. */
    private static int colour(int c) {
        return c == 0 ? 0 : Color.HSBtoRGB((c - 1) / 10f, 0.8f, 1f);
    }

    /** Pixel share of each class in the training masks of {@code fm-seg} (0 = background). */
    public static Table segmentationClasses(long seed) {
        MiniSegmentation.Split s = MiniBenchmark.segmentation(FashionMnist.load(FashionMnist.locate(), "t10k"), seed).train();
        long[] count = new long[MiniSegmentation.CLASSES];
        long total = 0;
        for (int i = 0; i < s.size(); i++) {
            for (int c : s.mask(i)) {
                count[c]++;
                total++;
            }
        }
        IntColumn id = IntColumn.create("class");
        StringColumn name = StringColumn.create("name");
        DoubleColumn share = DoubleColumn.create("pixel_share_percent");
        for (int c = 0; c < count.length; c++) {
            id.append(c);
            name.append(c == 0 ? "background" : FashionMnist.CLASSES.get(c - 1));
            share.append(Math.round(10000.0 * count[c] / total) / 100.0);
        }
        return Table.create("fm-seg training masks: pixels per class (ours)", id, name, share);
    }

    private static void paintGray(BufferedImage out, float[] normalised, int x0, int y0) {
        int side = MiniBenchmark.SIDE;
        for (int y = 0; y < side * SCALE; y++) {
            for (int x = 0; x < side * SCALE; x++) {
                float raw = FashionMnistStats.raw(normalised[(y / SCALE) * side + x / SCALE]);
                int v = Math.max(0, Math.min(255, Math.round(raw)));
                out.setRGB(x0 + x, y0 + y, new Color(v, v, v).getRGB());
            }
        }
    }
}
