package dev.vptlab.data;

import java.util.random.RandomGenerator;

/**
 * The ADE20K segmentation pipelines of mmsegmentation v0.15.0 ({@code configs/_base_/datasets/ade20k.py}), on
 * 8-bit BGR images as mmcv loads them.
 *
 * <p>Training ({@link #train}), in mmseg's order ({@code mmseg/datasets/pipelines/transforms.py}):
 * {@code Resize} with a ratio range, {@code RandomCrop} with {@code cat_max_ratio}, {@code RandomFlip},
 * {@code PhotoMetricDistortion}, {@code Normalize} ({@code to_rgb}), {@code Pad}. Test ({@link #test}): the
 * per-view part of {@code MultiScaleFlipAug}: {@code Resize(keep_ratio)}, optional flip, {@code Normalize}.
 *
 * <p>Arithmetic mirrors OpenCV 4.6 as mmcv calls it, bit for bit where the tests say so:
 * <ul>
 * <li>bilinear resize ({@code cv2.resize(..., INTER_LINEAR)} on uint8, {@code imgproc/src/resize.cpp}): half-pixel
 * centres, no antialias, 11-bit fixed-point weights rounded from float, the horizontal pass in int32, and the
 * vertical pass as OpenCV's SIMD kernel ({@code VResizeLinearVec_32s8u}) computes it: each horizontal sum
 * shifted right by 4 and multiplied with {@code mul_hi} (high 16 bits), then {@code (a + b + 2) >> 2}. That is
 * not the scalar formula {@code (a·b0 + b·b1 + 2^21) >> 22} (which can be 1 level higher); the fixtures show
 * OpenCV's x86-64 build uses the SIMD form for every output value;</li>
 * <li>nearest resize ({@code INTER_NEAREST}): {@code src = min(floor(dst · (1 / (dst_size / src_size))), size − 1)}
 * in double;</li>
 * <li>BGR↔HSV ({@code imgproc/src/color_hsv.simd.hpp}, {@code RGB2HSV_b} / {@code HSV2RGB_b}, H in 0..179):
 * the forward conversion is integer (12-bit division tables); the backward one is float and OpenCV's AVX2 kernel
 * (what x86-64 CPUs with AVX2 dispatch to) <em>truncates</em> the first {@code 32·⌊width/32⌋} pixels of each row
 * while its scalar tail rounds; this class does the same ({@link #HSV_SIMD_BLOCK}), with the fused multiply-adds
 * the compiler made of it. An SSE4.1-only CPU would use blocks of 16 and differ by ±1 level on some pixels.</li>
 * </ul>
 *
 * <p>Random draws, in this fixed order, from the one generator passed in (numpy's stream cannot be matched:
 * a seed here gives a reproducible run, not mmseg's run): (1) the ratio, {@code nextDouble()}; (2) the crop
 * offsets, row then column, {@code nextInt(margin + 1)} each, one pair per try (up to 11 pairs); (3) the flip,
 * {@code nextDouble() < flipProb}; (4) the photometric distortion as in {@code PhotoMetricDistortion.__call__}:
 * brightness gate {@code nextInt(2)} then β; mode {@code nextInt(2)}; if mode is 1, contrast gate then α; the
 * saturation gate then α; the hue gate then {@code nextInt(36) − 18}; if mode is 0, contrast gate then α.
 * Uniform draws U(a, b) are {@code a + (b − a)·nextDouble()} (numpy's {@code uniform}).
 */
public final class SegPipeline {
    /** The ADE20K training configuration of mmseg ({@code configs/_base_/datasets/ade20k.py}). */
    public record Config(int crop, int scaleLong, int scaleShort, double ratioMin, double ratioMax, double catMaxRatio,
            double flipProb, boolean photometric) {
        public static final Config ADE20K = new Config(512, 2048, 512, 0.5, 2.0, 0.75, 0.5, true);

        public Config {
            if (crop < 1 || scaleLong < 1 || scaleShort < 1 || !(ratioMin > 0) || !(ratioMax >= ratioMin)
                    || !(catMaxRatio > 0) || !(flipProb >= 0 && flipProb <= 1)) {
                throw new IllegalArgumentException("bad segmentation pipeline config " + this);
            }
        }
    }

    /** mmseg's {@code Normalize} for ADE20K, RGB order. */
    static final double[] MEAN = {123.675, 116.28, 103.53};
    static final double[] STD = {58.395, 57.12, 57.375};
    /** {@code PhotoMetricDistortion} defaults. */
    static final double BRIGHTNESS_DELTA = 32;
    static final double CONTRAST_LOWER = 0.5, CONTRAST_UPPER = 1.5, SATURATION_LOWER = 0.5, SATURATION_UPPER = 1.5;
    static final int HUE_DELTA = 18;
    /** Pixels per block of OpenCV's AVX2 {@code HSV2RGB_b} kernel (4 vectors of 8 floats). */
    static final int HSV_SIMD_BLOCK = 32;
    /** {@code RandomCrop}: checked tries before the last, unchecked box. */
    static final int CROP_TRIES = 10;

    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;

    private SegPipeline() {}

    /**
     * mmcv's {@code rescale_size} for a (long, short) scale: f = min(long / max(h, w), short / min(h, w)), new
     * size (int(h·f + 0.5), int(w·f + 0.5)). Returns {newH, newW}. The scale's two numbers may come in either
     * order (mmcv takes their max and min).
     */
    public static int[] rescaleSize(int h, int w, int scaleLong, int scaleShort) {
        if (h < 1 || w < 1 || scaleLong < 1 || scaleShort < 1) {
            throw new IllegalArgumentException("rescale " + h + "x" + w + " to scale (" + scaleLong + ", " + scaleShort + ")");
        }
        int longEdge = Math.max(scaleLong, scaleShort);
        int shortEdge = Math.min(scaleLong, scaleShort);
        double f = Math.min((double) longEdge / Math.max(h, w), (double) shortEdge / Math.min(h, w));
        int newW = (int) (w * f + 0.5);
        int newH = (int) (h * f + 0.5);
        if (newW < 1 || newH < 1) {
            throw new IllegalArgumentException("rescaling " + h + "x" + w + " to scale (" + scaleLong + ", " + scaleShort
                    + ") gives an empty " + newH + "x" + newW + " image (OpenCV's resize would refuse it)");
        }
        return new int[] {newH, newW};
    }

    /** The scale mmseg draws for a ratio: (int(long·r), int(short·r)), {@code Resize.random_sample_ratio}. */
    static int[] ratioScale(int scaleLong, int scaleShort, double ratio) {
        return new int[] {(int) (scaleLong * ratio), (int) (scaleShort * ratio)};
    }

    /**
     * One training sample. {@code label} is H×W row-major after {@code reduce_zero_label} (values 0..149 or 255),
     * the same size as the image. The result is crop×crop, padded bottom/right (image 0, label 255).
     */
    public static SegSample train(Bgr8 image, int[] label, RandomGenerator rng, Config c) {
        int h = image.height();
        int w = image.width();
        if (label == null || label.length != h * w) {
            throw new IllegalArgumentException("label of " + (label == null ? "null" : label.length + " values")
                    + " for a " + h + "x" + w + " image");
        }
        // Resize (ratio_range): mmseg Resize.random_sample_ratio, then mmcv.imrescale.
        double r = rng.nextDouble() * (c.ratioMax() - c.ratioMin()) + c.ratioMin();
        int[] scale = ratioScale(c.scaleLong(), c.scaleShort(), r);
        int[] size = rescaleSize(h, w, scale[0], scale[1]);
        int nh = size[0];
        int nw = size[1];
        byte[] img = resizeLinear(image.data(), h, w, 3, nh, nw);
        int[] lab = resizeNearest(label, h, w, nh, nw);

        // RandomCrop with cat_max_ratio.
        int[] box = cropBox(nh, nw, c.crop(), rng);
        if (c.catMaxRatio() < 1) {
            for (int t = 0; t < CROP_TRIES && !cropAccepted(lab, nw, box, c.catMaxRatio()); t++) {
                box = cropBox(nh, nw, c.crop(), rng);
            }
        }
        int ch = box[1] - box[0];
        int cw = box[3] - box[2];
        byte[] cimg = new byte[ch * cw * 3];
        int[] clab = new int[ch * cw];
        for (int y = 0; y < ch; y++) {
            System.arraycopy(img, ((box[0] + y) * nw + box[2]) * 3, cimg, y * cw * 3, cw * 3);
            System.arraycopy(lab, (box[0] + y) * nw + box[2], clab, y * cw, cw);
        }

        // RandomFlip (horizontal).
        if (rng.nextDouble() < c.flipProb()) {
            flip(cimg, ch, cw, 3);
            flipLabels(clab, ch, cw);
        }

        if (c.photometric()) {
            photometric(cimg, ch, cw, rng);
        }

        // Normalize (to RGB), then Pad to crop×crop.
        int ph = Math.max(c.crop(), ch);
        int pw = Math.max(c.crop(), cw);
        float[] norm = normalize(cimg, ch, cw);
        float[] out = new float[3 * ph * pw];
        int[] outLab = new int[ph * pw];
        java.util.Arrays.fill(outLab, Ade20k.IGNORE);
        for (int k = 0; k < 3; k++) {
            for (int y = 0; y < ch; y++) {
                System.arraycopy(norm, (k * ch + y) * cw, out, (k * ph + y) * pw, cw);
            }
        }
        for (int y = 0; y < ch; y++) {
            System.arraycopy(clab, y * cw, outLab, y * pw, cw);
        }
        return new SegSample(out, outLab, ph, pw);
    }

    /** {@link #train} with {@link Config#ADE20K}. */
    public static SegSample train(Bgr8 image, int[] label, RandomGenerator rng) {
        return train(image, label, rng, Config.ADE20K);
    }

    /**
     * One test view: resized with the ratio kept to the scale (int(2048·ratio), int(512·ratio)) by
     * {@link #rescaleSize}, flipped horizontally if asked, normalised to RGB; no pad, no label.
     */
    public static SegSample test(Bgr8 image, double ratio, boolean flip) {
        return test(image, ratio, flip, Config.ADE20K);
    }

    /** {@link #test(Bgr8, double, boolean)} with the scale of {@code c}. */
    public static SegSample test(Bgr8 image, double ratio, boolean flip, Config c) {
        int[] scale = ratioScale(c.scaleLong(), c.scaleShort(), ratio);
        int[] size = rescaleSize(image.height(), image.width(), scale[0], scale[1]);
        byte[] img = resizeLinear(image.data(), image.height(), image.width(), 3, size[0], size[1]);
        if (flip) {
            flip(img, size[0], size[1], 3);
        }
        return new SegSample(normalize(img, size[0], size[1]), null, size[0], size[1]);
    }

    // ---------------------------------------------------------------- resize

    /** Horizontal (or vertical) source offsets and fixed-point weights of OpenCV's INTER_LINEAR. */
    private static void linearTable(int src, int dst, boolean clampWeights, int[] ofs, int[] w0, int[] w1) {
        double inv = (double) dst / src;
        double scale = 1.0 / inv;
        for (int d = 0; d < dst; d++) {
            float f = (float) ((d + 0.5) * scale - 0.5);
            int s = (int) Math.floor(f);
            f -= s;
            if (clampWeights) {
                if (s < 0) {
                    f = 0;
                    s = 0;
                }
                if (s >= src - 1) {
                    f = 0;
                    s = src - 1;
                }
            }
            ofs[d] = s;
            w0[d] = (int) Math.rint((1f - f) * COEF_SCALE);
            w1[d] = (int) Math.rint(f * COEF_SCALE);
        }
    }

    /**
     * {@code cv2.resize(src, (W, H), interpolation=INTER_LINEAR)} on uint8 HWC with {@code cn} channels,
     * bit-exact with OpenCV 4.6 on x86-64 (see the class comment).
     */
    static byte[] resizeLinear(byte[] src, int h, int w, int cn, int nh, int nw) {
        if (h < 1 || w < 1 || nh < 1 || nw < 1 || src.length != h * w * cn) {
            throw new IllegalArgumentException("resize " + h + "x" + w + "x" + cn + " (" + src.length + " bytes) to " + nh + "x" + nw);
        }
        int[] xofs = new int[nw];
        int[] xa0 = new int[nw];
        int[] xa1 = new int[nw];
        linearTable(w, nw, true, xofs, xa0, xa1);
        int[] yofs = new int[nh];
        int[] yb0 = new int[nh];
        int[] yb1 = new int[nh];
        linearTable(h, nh, false, yofs, yb0, yb1);
        int rowLen = nw * cn;
        int[][] cache = new int[2][rowLen];
        int[] cachedRow = {-1, -1};
        byte[] out = new byte[nh * rowLen];
        for (int dy = 0; dy < nh; dy++) {
            int r0 = Math.min(Math.max(yofs[dy], 0), h - 1);
            int r1 = Math.min(Math.max(yofs[dy] + 1, 0), h - 1);
            int[] s0 = hrow(src, w, cn, r0, xofs, xa0, xa1, cache, cachedRow);
            int[] s1 = hrow(src, w, cn, r1, xofs, xa0, xa1, cache, cachedRow);
            int b0 = yb0[dy];
            int b1 = yb1[dy];
            int o = dy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                // VResizeLinearVec_32s8u: v_pack(x >> 4) (saturating to int16), v_mul_hi, v_rshr_pack_u<2>.
                int a = mulHi(sat16(s0[i] >> 4), b0) + mulHi(sat16(s1[i] >> 4), b1);
                int v = (a + 2) >> 2;
                out[o + i] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return out;
    }

    private static int sat16(int v) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }

    private static int mulHi(int a, int b) {
        return (short) ((a * b) >> 16);
    }

    /** The horizontal pass of source row r (int32 sums weighted to 2^11), reusing the last two rows computed. */
    private static int[] hrow(byte[] src, int w, int cn, int r, int[] xofs, int[] xa0, int[] xa1, int[][] cache, int[] cachedRow) {
        for (int k = 0; k < 2; k++) {
            if (cachedRow[k] == r) {
                return cache[k];
            }
        }
        // Evict the slot holding the lower row (rows only move down).
        int slot = cachedRow[0] <= cachedRow[1] ? 0 : 1;
        int[] d = cache[slot];
        int base = r * w * cn;
        int nw = xofs.length;
        for (int dx = 0; dx < nw; dx++) {
            int sx = xofs[dx];
            int a0 = xa0[dx];
            int a1 = xa1[dx];
            for (int k = 0; k < cn; k++) {
                int p0 = src[base + sx * cn + k] & 0xFF;
                d[dx * cn + k] = sx + 1 < w ? p0 * a0 + (src[base + (sx + 1) * cn + k] & 0xFF) * a1 : p0 * COEF_SCALE;
            }
        }
        cachedRow[slot] = r;
        return d;
    }

    /** {@code cv2.resize(label, (W, H), interpolation=INTER_NEAREST)}, as mmcv's {@code imresize(..., 'nearest')}. */
    static int[] resizeNearest(int[] src, int h, int w, int nh, int nw) {
        if (h < 1 || w < 1 || nh < 1 || nw < 1 || src.length != h * w) {
            throw new IllegalArgumentException("resize " + h + "x" + w + " (" + src.length + " labels) to " + nh + "x" + nw);
        }
        int[] xofs = nearestTable(w, nw);
        int[] yofs = nearestTable(h, nh);
        int[] out = new int[nh * nw];
        for (int y = 0; y < nh; y++) {
            int sr = yofs[y] * w;
            for (int x = 0; x < nw; x++) {
                out[y * nw + x] = src[sr + xofs[x]];
            }
        }
        return out;
    }

    private static int[] nearestTable(int src, int dst) {
        double ifx = 1.0 / ((double) dst / src);
        int[] ofs = new int[dst];
        for (int d = 0; d < dst; d++) {
            ofs[d] = Math.min((int) Math.floor(d * ifx), src - 1);
        }
        return ofs;
    }

    // ---------------------------------------------------------------- crop and flip

    /**
     * {@code RandomCrop.get_crop_bbox}: offsets randint(0, margin + 1), row first; returns {y1, y2, x1, x2} with
     * the box clipped to the image (numpy slicing), so it is smaller than {@code crop} where the image is.
     */
    static int[] cropBox(int h, int w, int crop, RandomGenerator rng) {
        int marginH = Math.max(h - crop, 0);
        int marginW = Math.max(w - crop, 0);
        int offH = rng.nextInt(marginH + 1);
        int offW = rng.nextInt(marginW + 1);
        return new int[] {offH, Math.min(offH + crop, h), offW, Math.min(offW + crop, w)};
    }

    /**
     * {@code RandomCrop}'s test of a box: at least 2 distinct labels other than 255, and the largest one's count
     * below {@code ratio} of all labelled pixels ({@code np.max(cnt) / np.sum(cnt) < cat_max_ratio}).
     */
    static boolean cropAccepted(int[] label, int w, int[] box, double ratio) {
        int[] counts = new int[256];
        boolean wide = false;
        java.util.Map<Integer, Integer> other = null;
        for (int y = box[0]; y < box[1]; y++) {
            for (int x = box[2]; x < box[3]; x++) {
                int v = label[y * w + x];
                if (v >= 0 && v < 256) {
                    counts[v]++;
                } else {
                    if (other == null) {
                        other = new java.util.HashMap<>();
                    }
                    other.merge(v, 1, Integer::sum);
                    wide = true;
                }
            }
        }
        long sum = 0;
        long max = 0;
        int classes = 0;
        for (int v = 0; v < 256; v++) {
            if (v != Ade20k.IGNORE && counts[v] > 0) {
                classes++;
                sum += counts[v];
                max = Math.max(max, counts[v]);
            }
        }
        if (wide) {
            for (int n : other.values()) {
                classes++;
                sum += n;
                max = Math.max(max, n);
            }
        }
        return classes > 1 && (double) max / (double) sum < ratio;
    }

    /** {@code np.flip(img, axis=1)} on HWC, in place. */
    static void flip(byte[] img, int h, int w, int cn) {
        for (int y = 0; y < h; y++) {
            for (int a = y * w, b = a + w - 1; a < b; a++, b--) {
                for (int k = 0; k < cn; k++) {
                    byte t = img[a * cn + k];
                    img[a * cn + k] = img[b * cn + k];
                    img[b * cn + k] = t;
                }
            }
        }
    }

    static void flipLabels(int[] lab, int h, int w) {
        for (int y = 0; y < h; y++) {
            for (int a = y * w, b = a + w - 1; a < b; a++, b--) {
                int t = lab[a];
                lab[a] = lab[b];
                lab[b] = t;
            }
        }
    }

    // ---------------------------------------------------------------- photometric distortion

    private static double uniform(RandomGenerator rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    /** mmseg v0.15.0 {@code PhotoMetricDistortion.__call__} on BGR uint8 HWC, in place. */
    static void photometric(byte[] img, int h, int w, RandomGenerator rng) {
        if (rng.nextInt(2) == 1) {
            convert(img, 0, 1, 1.0, uniform(rng, -BRIGHTNESS_DELTA, BRIGHTNESS_DELTA));
        }
        int mode = rng.nextInt(2);
        if (mode == 1) { // mmseg's code: mode 1 applies contrast first (its comment says the opposite)
            contrast(img, rng);
        }
        if (rng.nextInt(2) == 1) {
            double alpha = uniform(rng, SATURATION_LOWER, SATURATION_UPPER);
            byte[] hsv = bgrToHsv(img, h, w);
            convert(hsv, 1, 3, alpha, 0);
            System.arraycopy(hsvToBgr(hsv, h, w), 0, img, 0, img.length);
        }
        if (rng.nextInt(2) == 1) {
            int delta = rng.nextInt(2 * HUE_DELTA) - HUE_DELTA;
            byte[] hsv = bgrToHsv(img, h, w);
            hueShift(hsv, delta);
            System.arraycopy(hsvToBgr(hsv, h, w), 0, img, 0, img.length);
        }
        if (mode == 0) {
            contrast(img, rng);
        }
    }

    private static void contrast(byte[] img, RandomGenerator rng) {
        if (rng.nextInt(2) == 1) {
            convert(img, 0, 1, uniform(rng, CONTRAST_LOWER, CONTRAST_UPPER), 0);
        }
    }

    /**
     * {@code PhotoMetricDistortion.convert} on every {@code stride}-th byte from {@code first}:
     * {@code img.astype(np.float32) * alpha + beta}, clipped to 0..255, truncated by {@code astype(np.uint8)}.
     * numpy casts the Python scalars to float32 and computes in float32, as here.
     */
    static void convert(byte[] img, int first, int stride, double alpha, double beta) {
        float a = (float) alpha;
        float b = (float) beta;
        for (int i = first; i < img.length; i += stride) {
            float v = (img[i] & 0xFF) * a + b;
            v = Math.max(0f, Math.min(255f, v));
            img[i] = (byte) (int) v;
        }
    }

    /** The hue step: {@code (h.astype(int) + delta) % 180} (Python's non-negative modulo), on HSV HWC in place. */
    static void hueShift(byte[] hsv, int delta) {
        for (int i = 0; i < hsv.length; i += 3) {
            hsv[i] = (byte) Math.floorMod((hsv[i] & 0xFF) + delta, 180);
        }
    }

    private static final int HSV_SHIFT = 12;
    private static final int[] SDIV = new int[256];
    private static final int[] HDIV180 = new int[256];

    static {
        for (int i = 1; i < 256; i++) {
            SDIV[i] = (int) Math.rint((255 << HSV_SHIFT) / (1.0 * i));
            HDIV180[i] = (int) Math.rint((180 << HSV_SHIFT) / (6.0 * i));
        }
    }

    /** {@code cv2.cvtColor(img, COLOR_BGR2HSV)} on uint8 ({@code RGB2HSV_b}): H 0..179, S and V 0..255. */
    static byte[] bgrToHsv(byte[] bgr, int h, int w) {
        byte[] out = new byte[bgr.length];
        for (int i = 0; i < bgr.length; i += 3) {
            int b = bgr[i] & 0xFF;
            int g = bgr[i + 1] & 0xFF;
            int r = bgr[i + 2] & 0xFF;
            int v = Math.max(b, Math.max(g, r));
            int vmin = Math.min(b, Math.min(g, r));
            int diff = v - vmin;
            int vr = v == r ? -1 : 0;
            int vg = v == g ? -1 : 0;
            int s = (diff * SDIV[v] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
            int hh = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
            hh = (hh * HDIV180[diff] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
            hh += hh < 0 ? 180 : 0;
            out[i] = (byte) Math.max(0, Math.min(255, hh));
            out[i + 1] = (byte) s;
            out[i + 2] = (byte) v;
        }
        return out;
    }

    private static final int[][] SECTOR = {{1, 3, 0}, {1, 0, 2}, {3, 0, 1}, {0, 2, 1}, {0, 1, 3}, {2, 1, 0}};

    /**
     * {@code cv2.cvtColor(hsv, COLOR_HSV2BGR)} on uint8 ({@code HSV2RGB_b}), per row: the first
     * {@code 32·⌊w/32⌋} pixels as OpenCV's AVX2 kernel (no fmod, sector from truncations, results truncated), the
     * rest as its scalar tail ({@code HSV2RGB_native}, results rounded half to even).
     */
    static byte[] hsvToBgr(byte[] hsv, int h, int w) {
        byte[] out = new byte[hsv.length];
        float hscale = 6.0f / 180;
        float inv255 = 1.0f / 255.0f;
        int simdEnd = (w / HSV_SIMD_BLOCK) * HSV_SIMD_BLOCK;
        float[] tab = new float[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                float hh = hsv[i] & 0xFF;
                float s = (hsv[i + 1] & 0xFF) * inv255;
                float v = (hsv[i + 2] & 0xFF) * inv255;
                boolean simd = x < simdEnd;
                int sector;
                if (simd) {
                    hh = hh * hscale;
                    float pre = (float) (int) hh;
                    hh = hh - pre;
                    float sec = pre - ((float) (int) (pre * (1.0f / 6.0f))) * 6.0f;
                    sector = (int) sec;
                } else if (s == 0) {
                    int q = sat8(Math.rint(v * 255.0f));
                    out[i] = out[i + 1] = out[i + 2] = (byte) q;
                    continue;
                } else {
                    hh *= hscale;
                    hh = hh % 6f; // C fmod: same sign as the dividend, as Java's %
                    sector = (int) Math.floor(hh);
                    hh -= sector;
                    if (sector < 0 || sector >= 6) {
                        sector = 0;
                        hh = 0f;
                    }
                }
                // Debian's GCC build contracts these into fused multiply-adds (-mfma, -ffp-contract=fast): the
                // AVX2 kernel fuses 1 − s·h and 1 − s·(1 − h), the scalar tail only the first (found exhaustively).
                tab[0] = v;
                tab[1] = v * (1f - s);
                tab[2] = v * Math.fma(-s, hh, 1f);
                tab[3] = simd ? v * Math.fma(-s, 1f - hh, 1f) : v * (1f - s * (1f - hh));
                for (int k = 0; k < 3; k++) {
                    float val = simdTab(tab, sector, k, simd) * 255.0f;
                    out[i + k] = (byte) (simd ? sat8((int) val) : sat8(Math.rint(val)));
                }
            }
        }
        return out;
    }

    /**
     * The AVX2 kernel picks each output by masks on the float sector (0..5 for H ≤ 179; values outside that, from
     * H ≥ 180, fall in its "< 1/2" or "> 4/3" branches); the scalar code indexes {@code sector_data}.
     */
    private static float simdTab(float[] tab, int sector, int k, boolean simd) {
        if (!simd) {
            return tab[SECTOR[sector][k]];
        }
        // b (k=0): <2 tab1, ==2 tab3, 3,4 tab0, >4 tab2; g (k=1): <1 tab3, 1,2 tab0, 3 tab2, >3 tab1;
        // r (k=2): <1 tab0, 1 tab2, 2,3 tab1, 4 tab3, >4 tab0.
        return switch (k) {
            case 0 -> sector < 2 ? tab[1] : sector == 2 ? tab[3] : sector <= 4 ? tab[0] : tab[2];
            case 1 -> sector < 1 ? tab[3] : sector <= 2 ? tab[0] : sector == 3 ? tab[2] : tab[1];
            default -> sector < 1 ? tab[0] : sector == 1 ? tab[2] : sector <= 3 ? tab[1] : sector == 4 ? tab[3] : tab[0];
        };
    }

    private static int sat8(double v) {
        return (int) Math.max(0, Math.min(255, v));
    }

    // ---------------------------------------------------------------- normalize

    /**
     * mmcv's {@code imnormalize(img, mean, std, to_rgb=True)}: float32, BGR→RGB, {@code cv2.subtract(img, mean)}
     * (in float32: OpenCV converts the scalar to the image's depth), then {@code cv2.multiply(img, 1 / std)}, which
     * OpenCV computes in double with the double scalar and rounds to float32. Returns CHW RGB.
     */
    static float[] normalize(byte[] bgr, int h, int w) {
        int plane = h * w;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float m = (float) MEAN[c];
            double s = 1.0 / STD[c];
            int src = 2 - c;
            for (int i = 0; i < plane; i++) {
                float d = (bgr[i * 3 + src] & 0xFF) - m;
                out[c * plane + i] = (float) (d * s);
            }
        }
        return out;
    }
}
