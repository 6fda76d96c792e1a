package dev.vptlab.notebook;

import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.mini.FashionMnistStats;
import dev.vptlab.mini.MiniBenchmark;
import dev.vptlab.mini.MiniSegmentation;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.Random;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Pictures of the mini benchmark for the notebooks: sample images of a task, segmentation canvases with their masks. */
public final class Gallery {
    private static final int SCALE = 3;

    private Gallery() {}

    /** The first {@code n} training images of a classification task, in a row, scaled ×3 (label order as in the split). */
    public static BufferedImage task(String key, long seed, int n) {
        ImageDataset d = MiniBenchmark.open(key, FashionMnist.load(FashionMnist.locate(), "t10k"), seed).train();
        int side = MiniBenchmark.SIDE * SCALE;
        BufferedImage out = new BufferedImage(n * (side + 4), side, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n && i < d.size(); i++) {
            paintGray(out, d.image(i, new Random(0)), i * (side + 4), 0);
        }
        return out;
    }

    /** Segmentation canvases (top row) and their per-pixel masks (bottom row, one colour per class, background black). */
    public static BufferedImage segmentation(long seed, int n) {
        MiniSegmentation.Split s = MiniBenchmark.segmentation(FashionMnist.load(FashionMnist.locate(), "t10k"), seed).train();
        int side = MiniBenchmark.SIDE * SCALE;
        BufferedImage out = new BufferedImage(n * (side + 4), 2 * side + 4, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n && i < s.size(); i++) {
            paintGray(out, s.image(i), i * (side + 4), 0);
            int[] mask = s.mask(i);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int c = mask[(y / SCALE) * MiniBenchmark.SIDE + x / SCALE];
                    out.setRGB(i * (side + 4) + x, side + 4 + y, c == 0 ? 0 : Color.HSBtoRGB((c - 1) / 10f, 0.8f, 1f));
                }
            }
        }
        return out;
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
