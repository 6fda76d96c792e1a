package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link SegPipeline}'s composition, random-draw order and size rules (the per-step parity with OpenCV is
 * {@link SegPipelineParityTest}).
 */
class SegPipelineTest {
    /** A generator that hands out a script of draws and fails on any other draw. */
    static final class Script implements RandomGenerator {
        final Deque<Object> draws = new ArrayDeque<>();

        Script(Object... values) {
            draws.addAll(Arrays.asList(values));
        }

        @Override
        public double nextDouble() {
            Object v = draws.pollFirst();
            if (!(v instanceof Double d)) {
                throw new AssertionError("nextDouble() drawn where the script has " + v);
            }
            return d;
        }

        @Override
        public int nextInt(int bound) {
            Object v = draws.pollFirst();
            if (!(v instanceof Integer i)) {
                throw new AssertionError("nextInt(" + bound + ") drawn where the script has " + v);
            }
            assertTrue(i >= 0 && i < bound, i + " drawn from nextInt(" + bound + ")");
            return i;
        }

        @Override
        public long nextLong() {
            throw new AssertionError("nextLong() is not part of the pipeline's draws");
        }
    }

    /** Counts nextInt / nextDouble calls of a real generator. */
    static final class Counting implements RandomGenerator {
        final SplittableRandom r;
        int ints;
        int doubles;

        Counting(long seed) {
            r = new SplittableRandom(seed);
        }

        @Override
        public long nextLong() {
            return r.nextLong();
        }

        @Override
        public int nextInt(int bound) {
            ints++;
            return r.nextInt(bound);
        }

        @Override
        public double nextDouble() {
            doubles++;
            return r.nextDouble();
        }
    }

    static Bgr8 randomImage(int h, int w, long seed) {
        byte[] b = new byte[h * w * 3];
        new Random(seed).nextBytes(b);
        return new Bgr8(h, w, b);
    }

    static int[] randomLabel(int h, int w, long seed, int... values) {
        Random r = new Random(seed);
        int[] l = new int[h * w];
        for (int i = 0; i < l.length; i++) {
            l[i] = values[r.nextInt(values.length)];
        }
        return l;
    }

    // ------------------------------------------------------------ rescale size

    @Example
    void rescaleSizeOnHandComputedCases() {
        // f = min(long / max(h, w), short / min(h, w)); (int(h f + 0.5), int(w f + 0.5))
        assertArrayEquals(new int[] {512, 683}, SegPipeline.rescaleSize(512, 683, 2048, 512)); // f = min(2.998, 1) = 1
        assertArrayEquals(new int[] {683, 512}, SegPipeline.rescaleSize(683, 512, 2048, 512));
        assertArrayEquals(new int[] {77, 1024}, SegPipeline.rescaleSize(300, 4000, 1024, 256)); // f = 0.256: 76.8 → 77
        assertArrayEquals(new int[] {768, 768}, SegPipeline.rescaleSize(256, 256, 3072, 768)); // f = 3
        assertArrayEquals(new int[] {384, 512}, SegPipeline.rescaleSize(375, 500, 1536, 384)); // f = 1.024
        assertArrayEquals(new int[] {32, 51}, SegPipeline.rescaleSize(23, 37, 128, 32)); // f = 32/23: 51.478 → 51
        assertArrayEquals(new int[] {32, 51}, SegPipeline.rescaleSize(23, 37, 32, 128), "the scale's order does not matter");
        assertArrayEquals(new int[] {1024, 256}, SegPipeline.rescaleSize(2048, 512, 1024, 256)); // f = 0.5
        assertArrayEquals(new int[] {3, 2}, SegPipeline.rescaleSize(5, 3, 3, 2)); // f = min(0.6, 0.667) = 0.6: 3, 1.8 → 2
        assertThrows(IllegalArgumentException.class, () -> SegPipeline.rescaleSize(1, 10000, 2048, 512), "1x10000 at f 0.2048 is 0 rows");
        assertThrows(IllegalArgumentException.class, () -> SegPipeline.rescaleSize(0, 5, 2048, 512));
    }

    /** The rescaled image fits the scale, touches it on one side, and the rule is symmetric in h and w. */
    @Property(tries = 500, seed = "20261206") // fixed: the test command gives the same verdict every run
    void rescaleSizeFitsTheScaleAndTouchesIt(@ForAll @IntRange(min = 1, max = 5000) int h, @ForAll @IntRange(min = 1, max = 5000) int w,
            @ForAll @DoubleRange(min = 0.5, max = 2.0) double ratio) {
        int longEdge = (int) (2048 * ratio);
        int shortEdge = (int) (512 * ratio);
        double f = Math.min((double) longEdge / Math.max(h, w), (double) shortEdge / Math.min(h, w));
        if ((int) (Math.min(h, w) * f + 0.5) < 1) {
            assertThrows(IllegalArgumentException.class, () -> SegPipeline.rescaleSize(h, w, longEdge, shortEdge));
            return;
        }
        int[] s = SegPipeline.rescaleSize(h, w, longEdge, shortEdge);
        int newLong = Math.max(s[0], s[1]);
        int newShort = Math.min(s[0], s[1]);
        assertTrue(newLong <= longEdge && newShort <= shortEdge, Arrays.toString(s) + " fits (" + longEdge + ", " + shortEdge + ")");
        assertTrue(newLong == longEdge || newShort == shortEdge, Arrays.toString(s) + " touches the scale on one side");
        assertEquals(h >= w, s[0] >= s[1], "orientation kept");
        int[] t = SegPipeline.rescaleSize(w, h, shortEdge, longEdge);
        assertArrayEquals(new int[] {s[1], s[0]}, t, "transposed");
    }

    // ------------------------------------------------------------ draw order and composition

    private static final SegPipeline.Config SMALL = new SegPipeline.Config(16, 40, 20, 0.5, 2.0, 1.0, 0.5, true);

    /** train() under a scripted draw sequence equals the steps applied by hand, in mmseg's order. */
    @Example
    void trainIsTheStepsInMmsegOrderWithTheDocumentedDraws() {
        Bgr8 img = randomImage(20, 30, 1);
        int[] lab = randomLabel(20, 30, 2, 0, 3, 7, 255);
        for (int mode = 0; mode < 2; mode++) {
            // ratio 0.4·1.5 + 0.5 = 1.1: scale (44, 22), f = min(44/30, 22/20) = 1.1: 22x33
            // draws: ratio, crop row and column offsets, flip, brightness gate and u, mode, [contrast gate and u if
            // mode 1], saturation gate and u, hue gate and randint, [contrast gate and u if mode 0]
            Script s = mode == 1
                    ? new Script(0.4, 3, 5, 0.2, 1, 0.75, 1, /* contrast */ 1, 0.9, 1, 0.3, 1, 30)
                    : new Script(0.4, 3, 5, 0.2, 1, 0.75, 0, 1, 0.3, 1, 30, /* contrast */ 1, 0.9);
            SegSample got = SegPipeline.train(img, lab, s, SMALL);
            assertTrue(s.draws.isEmpty(), "every scripted draw was used: " + s.draws);

            byte[] r = SegPipeline.resizeLinear(img.data(), 20, 30, 3, 22, 33);
            int[] rl = SegPipeline.resizeNearest(lab, 20, 30, 22, 33);
            byte[] c = new byte[16 * 16 * 3];
            int[] cl = new int[16 * 16];
            for (int y = 0; y < 16; y++) {
                System.arraycopy(r, ((3 + y) * 33 + 5) * 3, c, y * 48, 48);
                System.arraycopy(rl, (3 + y) * 33 + 5, cl, y * 16, 16);
            }
            SegPipeline.flip(c, 16, 16, 3); // 0.2 < 0.5
            SegPipeline.flipLabels(cl, 16, 16);
            SegPipeline.convert(c, 0, 1, 1.0, -32 + 64 * 0.75);
            if (mode == 1) {
                SegPipeline.convert(c, 0, 1, 0.5 + 0.9, 0);
            }
            byte[] hsv = SegPipeline.bgrToHsv(c, 16, 16);
            SegPipeline.convert(hsv, 1, 3, 0.5 + 0.3, 0);
            c = SegPipeline.hsvToBgr(hsv, 16, 16);
            hsv = SegPipeline.bgrToHsv(c, 16, 16);
            SegPipeline.hueShift(hsv, 30 - 18);
            c = SegPipeline.hsvToBgr(hsv, 16, 16);
            if (mode == 0) {
                SegPipeline.convert(c, 0, 1, 0.5 + 0.9, 0);
            }
            assertEquals(16, got.height());
            assertEquals(16, got.width());
            assertArrayEquals(SegPipeline.normalize(c, 16, 16), got.image(), "image, mode " + mode);
            assertArrayEquals(cl, got.label(), "label, mode " + mode);
        }
    }

    /** RandomCrop: a crop that never passes the class test is drawn 11 times (10 checked, 1 unchecked); one that does, once. */
    @Example
    void cropRetriesTenTimesThenTakesTheEleventhBox() {
        SegPipeline.Config c = new SegPipeline.Config(16, 40, 20, 1.0, 1.0, 0.75, 0.0, false); // f = 1: 20x30 unchanged
        Bgr8 img = randomImage(20, 30, 3);
        int[] oneClass = new int[600];
        Arrays.fill(oneClass, 3);
        int[] ignored = new int[600];
        Arrays.fill(ignored, Ade20k.IGNORE);
        int[] checker = new int[600];
        for (int i = 0; i < 600; i++) {
            checker[i] = ((i / 30 + i % 30) & 1) == 0 ? 3 : 7;
        }
        for (int[][] caseAndBoxes : new int[][][] {{oneClass, {11}}, {ignored, {11}}, {checker, {1}}}) {
            Counting r = new Counting(5);
            SegPipeline.train(img, caseAndBoxes[0], r, c);
            assertEquals(2 * caseAndBoxes[1][0], r.ints, "crop offsets drawn");
            assertEquals(2, r.doubles, "the ratio and the flip");
        }
    }

    /** Any image and seed: a crop×crop sample, labels from the input's set, the pad (bottom/right) 0 and 255; reproducible. */
    @Property(tries = 150, seed = "20261206") // fixed: the test command gives the same verdict every run
    void trainGivesPaddedCropsReproducibly(@ForAll @IntRange(min = 1, max = 40) int h, @ForAll @IntRange(min = 1, max = 40) int w,
            @ForAll long seed) {
        SegPipeline.Config c = new SegPipeline.Config(16, 48, 12, 0.5, 2.0, 0.75, 0.5, true);
        Bgr8 img = randomImage(h, w, seed);
        int[] lab = randomLabel(h, w, seed + 1, 0, 4, 149, 255);
        int[] s;
        try {
            double r = new SplittableRandom(seed).nextDouble() * 1.5 + 0.5; // the first draw: the ratio
            s = SegPipeline.rescaleSize(h, w, (int) (48 * r), (int) (12 * r));
        } catch (IllegalArgumentException e) {
            assertThrows(IllegalArgumentException.class, () -> SegPipeline.train(img, lab, new SplittableRandom(seed), c));
            return;
        }
        SegSample a = SegPipeline.train(img, lab, new SplittableRandom(seed), c);
        SegSample b = SegPipeline.train(img, lab, new SplittableRandom(seed), c);
        assertArrayEquals(a.image(), b.image());
        assertArrayEquals(a.label(), b.label());
        assertEquals(16, a.height());
        assertEquals(16, a.width());
        int ch = Math.min(16, s[0]);
        int cw = Math.min(16, s[1]);
        float lo = (float) ((0 - 123.675) / 58.395) - 1e-3f;
        float hi = (float) ((255 - 103.53) / 57.375) + 1e-3f;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int l = a.label()[y * 16 + x];
                boolean pad = y >= ch || x >= cw;
                assertTrue(pad ? l == 255 : (l == 0 || l == 4 || l == 149 || l == 255), "label " + l + " at " + y + "," + x);
                for (int k = 0; k < 3; k++) {
                    float v = a.image()[(k * 16 + y) * 16 + x];
                    assertTrue(pad ? v == 0f : v >= lo && v <= hi, "value " + v + " at " + k + "," + y + "," + x);
                }
            }
        }
    }

    /** test(): the rescale rule's size, no label, and the flipped view is the exact mirror of the plain one. */
    @Property(tries = 100, seed = "20261206") // fixed: the test command gives the same verdict every run
    void testViewsAreRescaledAndMirrored(@ForAll @IntRange(min = 2, max = 30) int h, @ForAll @IntRange(min = 2, max = 30) int w,
            @ForAll @DoubleRange(min = 0.02, max = 0.1) double ratio) {
        Bgr8 img = randomImage(h, w, h * 31L + w);
        int[] s;
        try {
            s = SegPipeline.rescaleSize(h, w, (int) (2048 * ratio), (int) (512 * ratio));
        } catch (IllegalArgumentException e) {
            return;
        }
        SegSample plain = SegPipeline.test(img, ratio, false);
        SegSample flipped = SegPipeline.test(img, ratio, true);
        assertNull(plain.label());
        assertEquals(s[0], plain.height());
        assertEquals(s[1], plain.width());
        int H = s[0];
        int W = s[1];
        for (int k = 0; k < 3; k++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    assertEquals(plain.image()[(k * H + y) * W + x], flipped.image()[(k * H + y) * W + (W - 1 - x)]);
                }
            }
        }
    }

    @Example
    void bgr8FromTheDecoderReversesChannelsAndReplicatesGrey() {
        Image rgb = new Image(3, 1, 2, new float[] {10, 11, 20, 21, 30, 31}); // R plane, G plane, B plane
        Bgr8 b = Bgr8.of(rgb);
        assertArrayEquals(new byte[] {30, 20, 10, 31, 21, 11}, b.data());
        Bgr8 g = Bgr8.of(new Image(1, 1, 2, new float[] {7, 255}));
        assertArrayEquals(new byte[] {7, 7, 7, (byte) 255, (byte) 255, (byte) 255}, g.data());
        assertEquals(255, g.get(0, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Bgr8(2, 2, new byte[11]));
        assertThrows(IllegalArgumentException.class, () -> SegPipeline.train(b, new int[1], new SplittableRandom(1)));
    }

    @Example
    void normalisationGoesToRgb() {
        byte[] px = {(byte) 200, 100, 50}; // B, G, R
        float[] n = SegPipeline.normalize(px, 1, 1);
        assertEquals((50 - 123.675) / 58.395, n[0], 1e-6);
        assertEquals((100 - 116.28) / 57.12, n[1], 1e-6);
        assertEquals((200 - 103.53) / 57.375, n[2], 1e-6);
        Set<Integer> seen = new HashSet<>();
        for (int v = 0; v < 256; v++) {
            seen.add(Float.floatToIntBits(SegPipeline.normalize(new byte[] {0, 0, (byte) v}, 1, 1)[0]));
        }
        assertEquals(256, seen.size(), "distinct levels stay distinct");
        assertFalse(seen.contains(Float.floatToIntBits(Float.NaN)));
    }
}
