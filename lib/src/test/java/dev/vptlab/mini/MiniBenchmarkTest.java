package dev.vptlab.mini;

import dev.vptlab.data.Splits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.data.Batches;
import dev.vptlab.task.DataSources;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.Image;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.data.LoadOptions;
import dev.vptlab.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mini benchmark on the real Fashion-MNIST test images (Debian's dataset-fashion-mnist). */
class MiniBenchmarkTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    private static final long SEED = 7;
    private static final int SIDE = MiniBenchmark.SIDE;

    private static FashionMnist t10k;
    private static final Map<String, Splits> OPENED = new LinkedHashMap<>();
    private static MiniSegmentation seg;

    @BeforeAll
    static void render() {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "dataset-fashion-mnist not installed");
        t10k = FashionMnist.load(DEBIAN, "t10k");
        long start = System.nanoTime();
        for (MiniTask t : MiniBenchmark.tasks()) {
            if (!t.isSegmentation()) {
                OPENED.put(t.key(), MiniBenchmark.open(t.key(), t10k, SEED));
            }
        }
        seg = MiniBenchmark.segmentation(t10k, SEED);
        System.out.printf("mini benchmark: all tasks for one seed rendered in %.2f s%n", (System.nanoTime() - start) / 1e9);
    }

    @Test
    void normalisationConstantsAreTheTrainSplitStatistics() {
        FashionMnist train = FashionMnist.load(DEBIAN, "train");
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (byte[] img : train.images()) {
            for (byte b : img) {
                double v = (b & 0xff) / 255.0;
                sum += v;
                sq += v * v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        System.out.printf("Fashion-MNIST train pixels / 255: mean %.5f, std %.5f%n", mean, std);
        assertEquals(60_000 * 784L, n);
        assertEquals(FashionMnistStats.MEAN, mean, 5e-4, "mean to 3 decimals");
        assertEquals(FashionMnistStats.STD, std, 5e-4, "std to 3 decimals");
    }

    @Test
    void tasksComeInGroupOrderWithOneLineDescriptions() {
        List<MiniTask> tasks = MiniBenchmark.tasks();
        assertEquals(List.of("fm-item", "fm-tops", "fm-shift", "fm-count", "fm-position", "fm-rotation", "fm-scale", "fm-seg"),
                tasks.stream().map(MiniTask::key).toList());
        assertEquals(List.of(10, 4, 10, 4, 9, 4, 3, 11), tasks.stream().map(MiniTask::classes).toList());
        for (int i = 1; i < tasks.size(); i++) {
            assertTrue(tasks.get(i - 1).group().compareTo(tasks.get(i).group()) <= 0, "group order at " + tasks.get(i).key());
        }
        for (MiniTask t : tasks) {
            assertFalse(t.description().isBlank() || t.description().contains("\n"), t.key());
        }
        assertThrows(VptlabException.class, () -> MiniBenchmark.task("fm-nope"));
        assertThrows(VptlabException.class, () -> MiniBenchmark.open("fm-seg", t10k, SEED));
    }

    @Test
    void splitsHaveVtabSizesShapesAndBalancedLabels() {
        OPENED.forEach((key, s) -> {
            int classes = MiniBenchmark.task(key).classes();
            assertEquals(1000, s.train().size(), key);
            assertEquals(200, s.val().size(), key);
            assertEquals(2000, s.test().size(), key);
            for (ImageDataset d : List.of(s.train(), s.val(), s.test())) {
                assertArrayEquals(new int[] {1, 32, 32}, d.imageShape(), d.name());
                assertEquals(1024, d.image(0, null).length, d.name());
                assertEquals(classes, d.numClasses(), d.name());
                assertTrue(d.deterministic(), d.name());
            }
            for (ImageDataset d : List.of(s.train(), s.test())) {
                int[] counts = new int[classes];
                for (int i = 0; i < d.size(); i++) {
                    int l = d.label(i);
                    assertTrue(l >= 0 && l < classes, d.name() + " label " + l);
                    counts[l]++;
                }
                double expected = (double) d.size() / classes;
                for (int c = 0; c < classes; c++) {
                    assertTrue(counts[c] >= 0.7 * expected && counts[c] <= 1.3 * expected,
                            d.name() + " class " + c + ": " + Arrays.toString(counts));
                }
            }
        });
    }

    @Test
    void val200IsTheTailOfTrain800val200() {
        OPENED.forEach((key, s) -> {
            for (int i = 0; i < 200; i++) {
                assertArrayEquals(s.train().image(800 + i, null), s.val().image(i, null), key);
                assertEquals(s.train().label(800 + i), s.val().label(i), key);
            }
        });
        for (int i = 0; i < 200; i++) {
            assertArrayEquals(seg.train().mask(800 + i), seg.val().mask(i));
        }
    }

    @Test
    void theSameSeedGivesTheSamePixelsAndAnotherSeedOthers() {
        for (String key : OPENED.keySet()) {
            Splits again = MiniBenchmark.open(key, t10k, SEED);
            Splits other = MiniBenchmark.open(key, t10k, SEED + 1);
            ImageDataset[] a = {OPENED.get(key).train(), OPENED.get(key).val(), OPENED.get(key).test()};
            ImageDataset[] b = {again.train(), again.val(), again.test()};
            for (int k = 0; k < 3; k++) {
                for (int i = 0; i < a[k].size(); i++) {
                    assertArrayEquals(a[k].image(i, null), b[k].image(i, null), a[k].name() + " #" + i);
                    assertEquals(a[k].label(i), b[k].label(i), a[k].name() + " #" + i);
                }
            }
            int sameImages = 0;
            int sameLabels = 0;
            for (int i = 0; i < 1000; i++) {
                sameImages += Arrays.equals(a[0].image(i, null), other.train().image(i, null)) ? 1 : 0;
                sameLabels += a[0].label(i) == other.train().label(i) ? 1 : 0;
            }
            assertTrue(sameImages < 50, key + ": " + sameImages + " identical images under another seed");
            assertTrue(sameLabels < 600, key + ": " + sameLabels + " identical labels under another seed");
        }
        MiniSegmentation again = MiniBenchmark.segmentation(t10k, SEED);
        for (int i = 0; i < 2000; i++) {
            assertArrayEquals(seg.test().image(i), again.test().image(i));
            assertArrayEquals(seg.test().mask(i), again.test().mask(i));
        }
        assertFalse(Arrays.equals(seg.test().mask(0), MiniBenchmark.segmentation(t10k, SEED + 1).test().mask(0)));
    }

    @Test
    void trainAndTestDrawOnDisjointSourceImages() {
        OPENED.forEach((key, s) -> {
            MiniDataset train = (MiniDataset) s.train();
            MiniDataset test = (MiniDataset) s.test();
            Set<Integer> trainSources = sources(train.size(), train::placements);
            Set<Integer> testSources = sources(test.size(), test::placements);
            assertTrue(disjoint(trainSources, testSources), key);
            if (!key.equals("fm-count")) {
                assertEquals(1000, trainSources.size(), key + ": each train image has its own source image");
                assertEquals(2000, testSources.size(), key + ": each test image has its own source image");
            }
            assertTrue(train.path(3).startsWith(key + "/train800val200#3 t10k:"), train.path(3));
        });
        assertTrue(disjoint(sources(1000, seg.train()::placements), sources(2000, seg.test()::placements)));
    }

    @Test
    void itemTasksPredictTheSourceClass() {
        for (String key : List.of("fm-item", "fm-tops", "fm-shift")) {
            MiniDataset d = (MiniDataset) OPENED.get(key).test();
            for (int i = 0; i < d.size(); i++) {
                Canvas.Placement p = d.placements(i).get(0);
                assertEquals(t10k.label(p.source()), p.itemClass());
                int expected = key.equals("fm-tops") ? MiniBenchmark.topsLabel(p.itemClass()) : p.itemClass();
                assertEquals(expected, d.label(i), key + " #" + i);
                assertEquals(List.of(2, 2, 28, 0), List.of(p.x(), p.y(), p.size(), p.quarterTurns()), key);
            }
        }
        // fm-item: exactly the source item, padded by two black pixels.
        MiniDataset item = (MiniDataset) OPENED.get("fm-item").train();
        for (int i = 0; i < 50; i++) {
            float[] raw = raw(item.image(i, null));
            Image src = t10k.image(item.placements(i).get(0).source());
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    boolean inside = x >= 2 && x < 30 && y >= 2 && y < 30;
                    assertEquals(inside ? src.get(0, y - 2, x - 2) : 0f, raw[y * SIDE + x], 1e-3);
                }
            }
        }
    }

    @Test
    void shiftInvertsIntensitiesAndAddsNoise() {
        ImageDataset d = OPENED.get("fm-shift").train();
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (int i = 0; i < d.size(); i++) {
            float[] raw = raw(d.image(i, null));
            for (int x = 0; x < SIDE; x++) { // the top two rows are black canvas before the shift
                for (float v : new float[] {raw[x], raw[SIDE + x]}) {
                    assertTrue(v >= -1e-3 && v <= 255.001, "clipped to 0..255: " + v);
                    sum += v;
                    sq += v * v;
                    n++;
                }
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        // 255 + N(0, 25.5) clipped at 255: mean 255 − 25.5·φ(0) ≈ 244.8, std ≈ 14.9.
        assertEquals(244.8, mean, 1.5, "inverted black border");
        assertEquals(14.9, std, 1.5, "noise on the border");
    }

    @Test
    void countImagesHoldTheStatedNumberOfSeparateItems() {
        for (ImageDataset split : List.of(OPENED.get("fm-count").train(), OPENED.get("fm-count").test())) {
            MiniDataset d = (MiniDataset) split;
            for (int i = 0; i < d.size(); i++) {
                List<Canvas.Placement> items = d.placements(i);
                assertEquals(d.label(i) + 1, items.size(), d.name() + " #" + i);
                int[][] boxes = new int[items.size()][];
                for (int k = 0; k < items.size(); k++) {
                    Canvas.Placement p = items.get(k);
                    assertEquals(12, p.size());
                    boxes[k] = new int[] {p.x(), p.y()};
                    assertTrue(Layout.clear(boxes, k, boxes[k], 12, 1), d.name() + " #" + i + ": items overlap or touch");
                }
                // From the pixels: each connected blob lies inside one item's box, and every box holds a blob,
                // so the image shows exactly label + 1 separate items.
                int[] comp = components(foreground(raw(d.image(i, null))));
                Set<Integer> boxesWithInk = new HashSet<>();
                Map<Integer, Integer> boxOfComponent = new java.util.HashMap<>();
                for (int p = 0; p < comp.length; p++) {
                    if (comp[p] == 0) {
                        continue;
                    }
                    int box = boxOf(boxes, p % SIDE, p / SIDE, 12);
                    assertTrue(box >= 0, d.name() + " #" + i + ": ink outside every item");
                    Integer before = boxOfComponent.putIfAbsent(comp[p], box);
                    assertTrue(before == null || before == box, d.name() + " #" + i + ": a blob spans two items");
                    boxesWithInk.add(box);
                }
                assertEquals(items.size(), boxesWithInk.size(), d.name() + " #" + i + ": an item left no ink");
            }
        }
    }

    @Test
    void positionLabelIsTheGridCellOfTheItem() {
        MiniDataset d = (MiniDataset) OPENED.get("fm-position").train();
        Set<String> corners = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            Canvas.Placement p = d.placements(i).get(0);
            int col = bin(p.x());
            int row = bin(p.y());
            assertEquals(row * 3 + col, d.label(i), "#" + i);
            corners.add(p.x() + "," + p.y());
            boolean[] ink = foreground(raw(d.image(i, null)));
            for (int q = 0; q < ink.length; q++) {
                if (ink[q]) {
                    assertEquals(0, boxOf(new int[][] {{p.x(), p.y()}}, q % SIDE, q / SIDE, 12), "ink outside the item");
                }
            }
        }
        assertTrue(corners.size() > 300, "jitter: " + corners.size() + " distinct positions");
    }

    @Test
    void rotationTurnsTheCentredItemByTheLabel() {
        MiniDataset d = (MiniDataset) OPENED.get("fm-rotation").test();
        for (int i = 0; i < d.size(); i++) {
            Canvas.Placement p = d.placements(i).get(0);
            assertEquals(d.label(i), p.quarterTurns());
            float[] raw = raw(d.image(i, null));
            float[] inner = new float[28 * 28];
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    inner[y * 28 + x] = raw[(y + 2) * SIDE + x + 2];
                }
            }
            float[] back = Canvas.rotate(new Image(1, 28, 28, inner), 4 - d.label(i)).data();
            float[] src = t10k.image(p.source()).data();
            for (int k = 0; k < src.length; k++) {
                assertEquals(src[k], back[k], 1e-3, "#" + i);
            }
        }
        // One clockwise turn moves the top row to the right column.
        Image img = new Image(1, 2, 2, new float[] {1, 2, 3, 4});
        assertArrayEquals(new float[] {3, 1, 4, 2}, Canvas.rotate(img, 1).data());
        assertArrayEquals(new float[] {4, 3, 2, 1}, Canvas.rotate(img, 2).data());
        assertArrayEquals(new float[] {2, 4, 1, 3}, Canvas.rotate(img, 3).data());
    }

    @Test
    void scaleLabelIsTheItemSide() {
        MiniDataset d = (MiniDataset) OPENED.get("fm-scale").test();
        int[] fillsItsSide = new int[3];
        int[] perClass = new int[3];
        for (int i = 0; i < d.size(); i++) {
            int s = MiniBenchmark.SCALES[d.label(i)];
            assertEquals(s, d.placements(i).get(0).size());
            int o = (SIDE - s) / 2;
            boolean[] ink = foreground(raw(d.image(i, null)));
            int extent = 0;
            int minX = SIDE, maxX = -1, minY = SIDE, maxY = -1;
            for (int q = 0; q < ink.length; q++) {
                if (ink[q]) {
                    int x = q % SIDE;
                    int y = q / SIDE;
                    assertEquals(0, boxOf(new int[][] {{o, o}}, x, y, s), "ink outside the centred " + s + "-px box");
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
            extent = Math.max(maxX - minX, maxY - minY) + 1;
            perClass[d.label(i)]++;
            fillsItsSide[d.label(i)] += extent > s - 4 ? 1 : 0;
        }
        for (int c = 0; c < 3; c++) {
            assertTrue(fillsItsSide[c] > 0.9 * perClass[c], "most items span their scale: " + Arrays.toString(fillsItsSide));
        }
    }

    @Test
    void topsAreTheFourLookAlikeGarments() {
        for (ImageDataset split : List.of(OPENED.get("fm-tops").train(), OPENED.get("fm-tops").test())) {
            MiniDataset d = (MiniDataset) split;
            for (int i = 0; i < d.size(); i++) {
                int cls = d.placements(i).get(0).itemClass();
                assertTrue(cls == 0 || cls == 2 || cls == 4 || cls == 6, FashionMnist.CLASSES.get(cls));
            }
        }
    }

    @Test
    void segmentationMasksMarkItemClassesAndBackground() {
        assertEquals(1000, seg.train().size());
        assertEquals(200, seg.val().size());
        assertEquals(2000, seg.test().size());
        for (MiniSegmentation.Split s : List.of(seg.train(), seg.test())) {
            assertArrayEquals(new int[] {1, 32, 32}, s.imageShape());
            int[] itemCounts = new int[4];
            for (int i = 0; i < s.size(); i++) {
                float[] raw = raw(s.image(i));
                int[] mask = s.mask(i);
                assertEquals(SIDE * SIDE, mask.length);
                List<Canvas.Placement> items = s.placements(i);
                itemCounts[items.size()]++;
                Set<Integer> allowed = new HashSet<>();
                items.forEach(p -> allowed.add(1 + p.itemClass()));
                boolean any = false;
                for (int q = 0; q < mask.length; q++) {
                    int m = mask[q];
                    assertTrue(m >= 0 && m <= 10, "mask value " + m);
                    if (raw[q] < 0.5f) {
                        assertEquals(0, m, s.name() + " #" + i + ": black pixel labelled as an item");
                    }
                    if (m > 0) {
                        any = true;
                        assertTrue(allowed.contains(m), "a mask class of no placed item");
                        assertTrue(raw[q] > Canvas.FOREGROUND, "mask marks a faint pixel");
                    }
                }
                assertTrue(any, s.name() + " #" + i + " has no item pixels");
                // The last item is on top: its foreground pixels carry its class.
                Canvas.Placement top = items.get(items.size() - 1);
                Image item = Canvas.scale(t10k.image(top.source()), 14);
                for (int y = 0; y < 14; y++) {
                    for (int x = 0; x < 14; x++) {
                        if (item.get(0, y, x) > Canvas.FOREGROUND) {
                            assertEquals(1 + top.itemClass(), mask[(top.y() + y) * SIDE + top.x() + x]);
                        }
                    }
                }
            }
            assertEquals(0, itemCounts[0] + itemCounts[1]);
            assertTrue(itemCounts[2] > 0.4 * s.size() && itemCounts[3] > 0.4 * s.size(), Arrays.toString(itemCounts));
        }
    }

    @Test
    void normalisationStatisticsArePlausible() {
        float black = -FashionMnistStats.MEAN / FashionMnistStats.STD;
        float white = (1 - FashionMnistStats.MEAN) / FashionMnistStats.STD;
        ImageDataset d = OPENED.get("fm-item").train();
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (int i = 0; i < d.size(); i++) {
            float[] img = d.image(i, null);
            assertEquals(black, img[0], 1e-6, "the corner is black canvas");
            for (float v : img) {
                assertTrue(v >= black - 1e-5 && v <= white + 1e-5, "value " + v);
                sum += v;
                sq += (double) v * v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        System.out.printf("fm-item train after normalisation: mean %.3f, std %.3f%n", mean, std);
        // Train statistics are 0/1 on 28x28 images; the black 2-px border pulls the mean down a little.
        assertEquals(-0.19, mean, 0.1);
        assertEquals(0.95, std, 0.15);
    }

    @Test
    void dataSourcesOpensMiniTasksWithTheRunSeed(@TempDir Path root) throws Exception {
        Files.createSymbolicLink(root.resolve("fashion-mnist"), DEBIAN);
        Splits s = DataSources.open("fm-rotation", "gated", root, 32, 1, 4, SEED, LoadOptions.DEFAULT);
        Splits direct = OPENED.get("fm-rotation");
        assertEquals("fm-rotation/test", s.test().name());
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(direct.test().image(i, null), s.test().image(i, null));
            assertEquals(direct.test().label(i), s.test().label(i));
        }
        assertEquals(1000, DataSources.open("fm-scale", "gated", root.resolve("elsewhere"), 32, 1, 3, SEED,
                LoadOptions.DEFAULT).train().size(), "without <root>/fashion-mnist the default location is used");
        assertThrows(VptlabException.class, () -> DataSources.open("fm-item", "gated", root, 224, 3, 10, SEED, LoadOptions.DEFAULT));
        assertThrows(VptlabException.class, () -> DataSources.open("fm-item", "gated", root, 32, 1, 4, SEED, LoadOptions.DEFAULT));
        assertThrows(VptlabException.class, () -> DataSources.open("fm-seg", "gated", root, 32, 1, 11, SEED, LoadOptions.DEFAULT));
    }

    @Test
    void batchesAreGatheredFromTheInMemoryStore() {
        ImageDataset d = OPENED.get("fm-count").test();
        assertTrue(Batches.inMemory(d));
        int[] idx = {5, 0, 1999, 5};
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray batch = Batches.images(m, d, idx, i -> new Random(i));
            assertArrayEquals(new long[] {4, 1, 32, 32}, batch.getShape().getShape());
            float[] all = batch.toFloatArray();
            for (int j = 0; j < idx.length; j++) {
                assertArrayEquals(d.image(idx[j], null), Arrays.copyOfRange(all, j * 1024, (j + 1) * 1024));
            }
        }
    }

    // ---- helpers

    private static float[] raw(float[] normalised) {
        float[] out = new float[normalised.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = FashionMnistStats.raw(normalised[i]);
        }
        return out;
    }

    private static boolean[] foreground(float[] raw) {
        boolean[] ink = new boolean[raw.length];
        for (int i = 0; i < raw.length; i++) {
            ink[i] = raw[i] > 0.5f;
        }
        return ink;
    }

    /** 8-connected component ids (1..) of the ink pixels, 0 for background. */
    private static int[] components(boolean[] ink) {
        int[] id = new int[ink.length];
        int next = 0;
        int[] stack = new int[ink.length];
        for (int s = 0; s < ink.length; s++) {
            if (!ink[s] || id[s] != 0) {
                continue;
            }
            id[s] = ++next;
            int top = 0;
            stack[top++] = s;
            while (top > 0) {
                int p = stack[--top];
                int px = p % SIDE;
                int py = p / SIDE;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int x = px + dx;
                        int y = py + dy;
                        if (x >= 0 && y >= 0 && x < SIDE && y < SIDE && ink[y * SIDE + x] && id[y * SIDE + x] == 0) {
                            id[y * SIDE + x] = next;
                            stack[top++] = y * SIDE + x;
                        }
                    }
                }
            }
        }
        return id;
    }

    /** Index of the size-px box containing (x, y), or −1. */
    private static int boxOf(int[][] corners, int x, int y, int size) {
        for (int k = 0; k < corners.length; k++) {
            if (x >= corners[k][0] && x < corners[k][0] + size && y >= corners[k][1] && y < corners[k][1] + size) {
                return k;
            }
        }
        return -1;
    }

    /** fm-position's bin of a 12-px item's corner on the 32-px canvas: 21 corners in bins of 7. */
    private static int bin(int corner) {
        return corner / 7;
    }

    private static Set<Integer> sources(int n, java.util.function.IntFunction<List<Canvas.Placement>> placements) {
        Set<Integer> s = new HashSet<>();
        for (int i = 0; i < n; i++) {
            placements.apply(i).forEach(p -> s.add(p.source()));
        }
        return s;
    }

    private static boolean disjoint(Set<Integer> a, Set<Integer> b) {
        Set<Integer> both = new HashSet<>(a);
        both.retainAll(b);
        return both.isEmpty();
    }
}
