package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.testutil.Fixtures;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parity of {@link SegPipeline}'s steps with OpenCV 4.6 / numpy as mmcv and mmseg v0.15.0 call them, against
 * {@code fixtures/seg/seg_pipeline.safetensors} (made by {@code lib/src/test/python/make_seg_pipeline_fixtures.py};
 * key layout documented there). Every comparison is exact: bilinear resize, nearest resize, BGR↔HSV (all 2^24
 * colours one way, all 180·256·256 HSV triples back), the saturation and hue steps, brightness/contrast
 * truncation, normalisation, the crop test and the rescale-size rule.
 */
class SegPipelineParityTest {
    private static Map<String, RawTensor> fx;
    private static Map<String, String> meta;

    @BeforeAll
    static void load() {
        Safetensors.Contents c = Safetensors.read(Fixtures.root().resolve("seg").resolve("seg_pipeline.safetensors"));
        fx = new TreeMap<>(c.tensors());
        meta = c.metadata();
        System.out.println("seg pipeline fixtures: OpenCV " + meta.get("opencv") + ", numpy " + meta.get("numpy"));
    }

    private static RawTensor get(String key) {
        RawTensor t = fx.get(key);
        assertTrue(t != null, "fixture key " + key);
        return t;
    }

    private static byte[] bytes(String key) {
        ByteBuffer b = get(key).data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static long[] longs(String key) {
        ByteBuffer b = get(key).data();
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    private static double[] doubles(String key) {
        long[] l = longs(key);
        double[] d = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            d[i] = Double.longBitsToDouble(l[i]);
        }
        return d;
    }

    private static int[] ints(String key) {
        long[] l = longs(key);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    private static Bgr8 img(String name) {
        long[] s = get("img." + name).shape();
        return new Bgr8((int) s[0], (int) s[1], bytes("img." + name));
    }

    /** Number of differing bytes and the largest difference, for the failure message. */
    private static String diff(byte[] expected, byte[] actual) {
        int n = 0;
        int max = 0;
        for (int i = 0; i < expected.length; i++) {
            int d = Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF));
            if (d != 0) {
                n++;
                max = Math.max(max, d);
            }
        }
        return n + " of " + expected.length + " values differ, by up to " + max;
    }

    private static void assertBytes(byte[] expected, byte[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        if (!java.util.Arrays.equals(expected, actual)) {
            throw new AssertionError(what + ": " + diff(expected, actual));
        }
    }

    @Test
    void bilinearResizeIsBitExactWithOpenCv() {
        int checked = 0;
        for (String key : fx.keySet()) {
            if (!key.startsWith("linear.")) {
                continue;
            }
            String[] p = key.split("\\.");
            Bgr8 src = img(p[1]);
            long[] s = get(key).shape();
            byte[] out = SegPipeline.resizeLinear(src.data(), src.height(), src.width(), 3, (int) s[0], (int) s[1]);
            assertBytes(bytes(key), out, key);
            checked++;
        }
        assertTrue(checked >= 30, "resize cases: " + checked);
    }

    @Test
    void nearestLabelResizeIsExact() {
        int checked = 0;
        for (String key : fx.keySet()) {
            if (!key.startsWith("nearest.")) {
                continue;
            }
            String name = key.split("\\.")[1];
            long[] ls = get("label." + name).shape();
            long[] s = get(key).shape();
            int[] out = SegPipeline.resizeNearest(ints("label." + name), (int) ls[0], (int) ls[1], (int) s[0], (int) s[1]);
            byte[] expected = bytes(key);
            int[] e = new int[expected.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = expected[i] & 0xFF;
            }
            assertArrayEquals(e, out, key);
            checked++;
        }
        assertTrue(checked >= 30, "nearest cases: " + checked);
    }

    @Test
    void hsvConversionsAndStepsAreExact() {
        double[] alphas = doubles("sat.alpha.bits");
        int[] deltas = ints("hue.delta");
        for (String name : new String[] {"h", "a"}) {
            Bgr8 im = img(name);
            int h = im.height();
            int w = im.width();
            byte[] hsv = SegPipeline.bgrToHsv(im.data(), h, w);
            assertBytes(bytes("hsv." + name), hsv, "BGR2HSV " + name);
            assertBytes(bytes("bgr." + name), SegPipeline.hsvToBgr(hsv, h, w), "HSV2BGR " + name);
            for (int i = 0; i < alphas.length; i++) {
                byte[] x = SegPipeline.bgrToHsv(im.data(), h, w);
                SegPipeline.convert(x, 1, 3, alphas[i], 0);
                assertBytes(bytes("sat." + name + "." + i), SegPipeline.hsvToBgr(x, h, w), "saturation " + alphas[i] + " on " + name);
            }
            for (int i = 0; i < deltas.length; i++) {
                byte[] x = SegPipeline.bgrToHsv(im.data(), h, w);
                SegPipeline.hueShift(x, deltas[i]);
                assertBytes(bytes("hue." + name + "." + i), SegPipeline.hsvToBgr(x, h, w), "hue " + deltas[i] + " on " + name);
            }
        }
    }

    /** All 2^24 colours through BGR2HSV, all 180·256·256 HSV triples through HSV2BGR, against OpenCV's digests. */
    @Test
    void hsvConversionsAreExactOnEveryValue() throws Exception {
        byte[] cube = new byte[3 << 24];
        for (int k = 0; k < 1 << 24; k++) {
            cube[3 * k] = (byte) k;
            cube[3 * k + 1] = (byte) (k >> 8);
            cube[3 * k + 2] = (byte) (k >> 16);
        }
        byte[] hsv = SegPipeline.bgrToHsv(cube, 4096, 4096);
        assertEquals(meta.get("bgr2hsv_sha256"), sha256(hsv), "BGR2HSV over all colours");

        int n = 180 << 16;
        byte[] hcube = new byte[3 * n];
        for (int k = 0; k < n; k++) {
            hcube[3 * k] = (byte) (k >> 16);
            hcube[3 * k + 1] = (byte) (k >> 8);
            hcube[3 * k + 2] = (byte) k;
        }
        assertEquals(meta.get("hsv2bgr_sha256"), sha256(SegPipeline.hsvToBgr(hcube, n / 90, 90)), "HSV2BGR over all HSV triples");
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void brightnessAndContrastTruncateAsNumpy() {
        double[] p = doubles("convert.params.bits");
        byte[] expected = bytes("convert.out");
        for (int i = 0; i < p.length / 2; i++) {
            byte[] v = new byte[256];
            for (int k = 0; k < 256; k++) {
                v[k] = (byte) k;
            }
            SegPipeline.convert(v, 0, 1, p[2 * i], p[2 * i + 1]);
            byte[] e = java.util.Arrays.copyOfRange(expected, 256 * i, 256 * (i + 1));
            assertBytes(e, v, "convert alpha " + p[2 * i] + " beta " + p[2 * i + 1]);
        }
    }

    @Test
    void rescaleSizeMatchesMmcv() {
        long[] c = longs("rescale.cases");
        assertTrue(c.length / 6 >= 300, "cases");
        for (int i = 0; i < c.length; i += 6) {
            int[] got = SegPipeline.rescaleSize((int) c[i], (int) c[i + 1], (int) c[i + 2], (int) c[i + 3]);
            assertArrayEquals(new int[] {(int) c[i + 4], (int) c[i + 5]}, got,
                    "rescale " + c[i] + "x" + c[i + 1] + " to (" + c[i + 2] + ", " + c[i + 3] + ")");
        }
    }

    @Test
    void cropAcceptanceMatchesMmseg() {
        int[] labels = ints("crop.labels");
        int[] boxes = ints("crop.boxes");
        int[] accept = ints("crop.accept");
        double ratio = doubles("crop.ratio.bits")[0];
        int yes = 0;
        for (int k = 0; k < accept.length; k++) {
            int[] lab = java.util.Arrays.copyOfRange(labels, k * 72, (k + 1) * 72);
            int[] box = java.util.Arrays.copyOfRange(boxes, 4 * k, 4 * k + 4);
            assertEquals(accept[k] == 1, SegPipeline.cropAccepted(lab, 9, box, ratio), "case " + k);
            yes += accept[k];
        }
        assertTrue(yes > 20 && yes < accept.length - 20, "both verdicts are exercised: " + yes + " accepted");
    }

    @Test
    void normalizeMatchesMmcvImnormalize() {
        for (String name : new String[] {"a", "b", "c"}) {
            Bgr8 im = img(name);
            float[] chw = SegPipeline.normalize(im.data(), im.height(), im.width());
            assertHwcEqualsChw(get("normalize." + name).toFloatArray(), chw, im.height(), im.width(), "normalize " + name);
        }
    }

    @Test
    void testViewsMatchRescaleFlipNormalize() {
        double[] ratios = doubles("test.ratio.bits");
        for (int i = 0; i < ratios.length; i++) {
            RawTensor e = get("test.a." + i);
            SegSample s = SegPipeline.test(img("a"), ratios[i], true);
            assertEquals(e.shape()[0], s.height(), "height at ratio " + ratios[i]);
            assertEquals(e.shape()[1], s.width(), "width at ratio " + ratios[i]);
            assertEquals(null, s.label());
            assertHwcEqualsChw(e.toFloatArray(), s.image(), s.height(), s.width(), "test view " + ratios[i]);
        }
    }

    private static void assertHwcEqualsChw(float[] hwc, float[] chw, int h, int w, String what) {
        assertEquals(hwc.length, chw.length, what + ": length");
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < h * w; i++) {
                float e = hwc[i * 3 + c];
                float a = chw[c * h * w + i];
                if (Float.floatToIntBits(e) != Float.floatToIntBits(a)) {
                    throw new AssertionError(what + ": channel " + c + " pixel " + i + ": expected " + e + ", got " + a);
                }
            }
        }
    }
}
