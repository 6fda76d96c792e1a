package dev.vptlab.mini;

import dev.vptlab.data.Splits;
import dev.vptlab.VptlabException;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.util.Seeds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * The mini benchmark: VTAB-1K-like tasks rendered from Fashion-MNIST's test images, which the tiny
 * backbone's self-supervised pretraining (train images only) never saw. See the package documentation for
 * the task table.
 *
 * <p>Protocol, as VTAB-1K: each task has train800val200 (1,000 images, used for training), val200 (its
 * last 200, logged only) and test (2,000). Source images come from a seeded permutation of the 10,000 test
 * images, cut into a train pool and a disjoint test pool ({@link SourcePool}). Everything is a function of
 * (task key, seed): the same pair always gives the same pixels and labels.
 *
 * <p>Labels of the structured tasks (count, cell, rotation, scale) are dealt out balanced (each class
 * ⌊n/k⌋ or ⌈n/k⌉ times, in seeded order); labels of the item-class tasks follow the drawn images, which
 * are balanced in expectation (the test split holds 1,000 images of each class).
 */
public final class MiniBenchmark {
    /** Canvas side: the {@code vit_tiny12_fmnist} input (32 px, one channel). */
    public static final int SIDE = 32;
    /** Images in train800val200, of which the last {@link #VAL} form val200. */
    public static final int TRAIN_VAL = 1000;
    public static final int VAL = 200;
    public static final int TEST = 2000;

    /** fm-tops' classes, in label order: the four look-alike upper-body garments (T-shirt/top, Pullover, Coat, Shirt). */
    static final int[] TOPS = {0, 2, 4, 6};
    /** fm-scale's item sides, in label order. */
    static final int[] SCALES = {12, 20, 28};
    /** Item side of fm-count and fm-position. */
    static final int SMALL = 12;
    /** Item side of fm-seg. */
    static final int SEG_ITEM = 14;
    /** fm-count keeps items this many pixels apart, so no two items touch and every one stays countable. */
    static final int COUNT_GAP = 1;

    private static final Map<String, MiniTask> TASKS = new LinkedHashMap<>();
    private static final Map<String, Recipe> RECIPES = new LinkedHashMap<>();

    /**
     * How one sample of a task is drawn onto an empty canvas. {@code slot} is the balanced label the sample
     * was dealt (used by tasks whose label is a drawing choice); the returned value is its label.
     */
    @FunctionalInterface
    private interface Recipe {
        int draw(Canvas canvas, int slot, SourcePool pool, FashionMnist src, Random rng);
    }

    static {
        int full = 28;
        int mid = Layout.centred(full, SIDE);
        add(new MiniTask("fm-item", MiniTask.Group.NATURAL, 10, "the item's class, one 28-px item centred: plain "
                + "object recognition of everyday things, like Caltech101/CIFAR in VTAB's natural group"),
                (c, slot, pool, src, rng) -> c.place(src, pool.next(), full, 0, mid, mid).itemClass());
        add(new MiniTask("fm-tops", MiniTask.Group.SPECIALIZED, 4, "which of T-shirt/top, Pullover, Coat, Shirt (centred): "
                + "fine-grained look-alike classes told apart by subtle cues, like the expert distinctions of "
                + "Patch Camelyon/Retinopathy"),
                (c, slot, pool, src, rng) -> topsLabel(c.place(src, pool.next(), full, 0, mid, mid).itemClass()));
        add(new MiniTask("fm-shift", MiniTask.Group.SPECIALIZED, 10, "the item's class under a sensor change (inverted "
                + "intensities + Gaussian noise σ=0.1·255): familiar objects through unfamiliar imaging, like "
                + "VTAB's satellite/medical images"),
                (c, slot, pool, src, rng) -> {
                    int cls = c.place(src, pool.next(), full, 0, mid, mid).itemClass();
                    DomainShift.apply(c, rng);
                    return cls;
                });
        add(new MiniTask("fm-count", MiniTask.Group.STRUCTURED, 4, "how many 12-px items (1–4, non-overlapping, "
                + "label = count−1): counting, like CLEVR-count"),
                (c, slot, pool, src, rng) -> {
                    for (int[] p : Layout.nonOverlapping(slot + 1, SMALL, COUNT_GAP, SIDE, rng)) {
                        c.place(src, pool.next(), SMALL, 0, p[0], p[1]);
                    }
                    return slot;
                });
        add(new MiniTask("fm-position", MiniTask.Group.STRUCTURED, 9, "which cell of a 3×3 grid holds the 12-px item "
                + "(jittered within the cell): object location, like dSprites-location"),
                (c, slot, pool, src, rng) -> {
                    int[] p = Layout.gridCell(slot, 3, SMALL, SIDE, rng);
                    c.place(src, pool.next(), SMALL, 0, p[0], p[1]);
                    return slot;
                });
        add(new MiniTask("fm-rotation", MiniTask.Group.STRUCTURED, 4, "the centred item's rotation (0/90/180/270° "
                + "clockwise): object orientation, like dSprites-orientation/smallNORB-azimuth"),
                (c, slot, pool, src, rng) -> {
                    c.place(src, pool.next(), full, slot, mid, mid);
                    return slot;
                });
        add(new MiniTask("fm-scale", MiniTask.Group.STRUCTURED, 3, "the centred item's size (12, 20 or 28 px): apparent "
                + "size as a proxy for distance, like KITTI-distance/CLEVR-distance"),
                (c, slot, pool, src, rng) -> {
                    int s = SCALES[slot];
                    int o = Layout.centred(s, SIDE);
                    c.place(src, pool.next(), s, 0, o, o);
                    return slot;
                });
        // The number of items (2 or 3) is the balanced "slot"; the sample's label is unused, its mask is the target.
        add(new MiniTask("fm-seg", MiniTask.Group.SEGMENTATION, MiniSegmentation.CLASSES, "per-pixel item class or "
                + "background on canvases of 2–3 possibly overlapping 14-px items: dense prediction for the "
                + "segmentation work (ADE20K-like)"),
                (c, slot, pool, src, rng) -> {
                    for (int k = 0; k < 2 + slot; k++) {
                        int[] p = Layout.anywhere(SEG_ITEM, SIDE, rng);
                        c.place(src, pool.next(), SEG_ITEM, 0, p[0], p[1]);
                    }
                    return slot;
                });
    }

    private MiniBenchmark() {}

    private static void add(MiniTask t, Recipe r) {
        TASKS.put(t.key(), t);
        RECIPES.put(t.key(), r);
    }

    /**
     * What label {@code label} of task {@code key} means, in a few words for a picture's caption: the item class
     * ("Dress"), the count ("3 items"), the grid cell ("row 2, col 3"), the rotation ("90°"), the size ("20 px").
     * For {@code fm-seg}, 0 is "background" and c > 0 is the item class c − 1.
     */
    public static String labelName(String key, int label) {
        return switch (task(key).key()) {
            case "fm-item", "fm-shift" -> FashionMnist.CLASSES.get(label);
            case "fm-tops" -> FashionMnist.CLASSES.get(TOPS[label]);
            case "fm-count" -> (label + 1) + (label == 0 ? " item" : " items");
            case "fm-position" -> "row " + (label / 3 + 1) + ", col " + (label % 3 + 1);
            case "fm-rotation" -> (90 * label) + "°";
            case "fm-scale" -> SCALES[label] + " px";
            case "fm-seg" -> label == 0 ? "background" : FashionMnist.CLASSES.get(label - 1);
            default -> throw new IllegalArgumentException("no label names for task " + key);
        };
    }

    /** All tasks in VTAB group order: natural, specialized, structured, then segmentation. */
    public static List<MiniTask> tasks() {
        return List.copyOf(TASKS.values());
    }

    /** The task called {@code key}; a clear message listing the known keys otherwise. */
    public static MiniTask task(String key) {
        MiniTask t = TASKS.get(key);
        if (t == null) {
            throw new VptlabException("unknown mini-benchmark task '" + key + "'; known: " + String.join(", ", TASKS.keySet()));
        }
        return t;
    }

    /**
     * The splits of a classification task: train800val200 (train), val200 (its last 200) and test, from the
     * Fashion-MNIST test split {@code t10k}.
     */
    public static Splits open(String key, FashionMnist t10k, long seed) {
        MiniTask t = task(key);
        if (t.isSegmentation()) {
            throw new VptlabException("'" + key + "' is a segmentation task: open it with MiniBenchmark.segmentation");
        }
        Rendering[] r = renderSplits(t, t10k, seed, false);
        MiniDataset train = new MiniDataset(key + "/train800val200", t.classes(), r[0]);
        MiniDataset val = new MiniDataset(key + "/val200", t.classes(), r[0].slice(TRAIN_VAL - VAL, TRAIN_VAL));
        return new Splits(train, val, new MiniDataset(key + "/test", t.classes(), r[1]));
    }

    /** The {@code fm-seg} splits, with the same protocol as {@link #open}. */
    public static MiniSegmentation segmentation(FashionMnist t10k, long seed) {
        Rendering[] r = renderSplits(task("fm-seg"), t10k, seed, true);
        return new MiniSegmentation(new MiniSegmentation.Split("fm-seg/train800val200", r[0]),
                new MiniSegmentation.Split("fm-seg/val200", r[0].slice(TRAIN_VAL - VAL, TRAIN_VAL)),
                new MiniSegmentation.Split("fm-seg/test", r[1]));
    }

    /** {train800val200, test} of a task; each split has its own generator, derived from (key, seed). */
    private static Rendering[] renderSplits(MiniTask t, FashionMnist t10k, long seed, boolean masks) {
        if (t10k.rows() != 28 || t10k.cols() != 28) {
            throw new VptlabException("the mini benchmark expects 28x28 Fashion-MNIST images, got " + t10k.rows() + "x"
                    + t10k.cols());
        }
        long taskSeed = mix(seed, t.key().hashCode());
        IntPredicate keep = t.key().equals("fm-tops") ? label -> topsLabel(label) >= 0 : label -> true;
        SourcePool[] pools = SourcePool.partition(t10k, new Random(mix(taskSeed, 0)), keep);
        Recipe recipe = RECIPES.get(t.key());
        int slots = t.isSegmentation() ? 2 : t.classes();
        return new Rendering[] {
            render(recipe, slots, TRAIN_VAL, pools[0], t10k, new Random(mix(taskSeed, 1)), masks),
            render(recipe, slots, TEST, pools[1], t10k, new Random(mix(taskSeed, 2)), masks)};
    }

    private static Rendering render(Recipe recipe, int slots, int n, SourcePool pool, FashionMnist src, Random rng,
            boolean keepMasks) {
        int[] dealt = balanced(n, slots, rng);
        int per = SIDE * SIDE;
        float[] images = new float[n * per];
        int[] labels = new int[n];
        int[][] masks = keepMasks ? new int[n][] : null;
        List<List<Canvas.Placement>> placements = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Canvas c = new Canvas(SIDE);
            labels[i] = recipe.draw(c, dealt[i], pool, src, rng);
            System.arraycopy(FashionMnistStats.normalise(c.image()), 0, images, i * per, per);
            if (keepMasks) {
                masks[i] = c.mask();
            }
            placements.add(c.placements());
        }
        return new Rendering(SIDE, images, labels, masks, List.copyOf(placements));
    }

    /** 0..k−1 repeated to length n (each ⌊n/k⌋ or ⌈n/k⌉ times), shuffled with rng. */
    static int[] balanced(int n, int k, Random rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i % k;
        }
        return Seeds.shuffleInPlace(a, rng);
    }

    /** fm-tops' label of a Fashion-MNIST class, or −1 when the class is not one of the four tops. */
    static int topsLabel(int fashionClass) {
        for (int i = 0; i < TOPS.length; i++) {
            if (TOPS[i] == fashionClass) {
                return i;
            }
        }
        return -1;
    }

    /** SplitMix64's finaliser over a + golden-ratio·b: decorrelates the seeds of tasks and splits. */
    static long mix(long a, long b) {
        return Seeds.finish(a + b * 0x9E3779B97F4A7C15L);
    }
}
