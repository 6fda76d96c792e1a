package dev.vptlab.data;

import java.util.Arrays;

/**
 * Image resampling that reproduces the reference libraries exactly (AWT scaling matches neither TF's nor
 * Pillow's filter, so the resamplers are written out): Pillow's bilinear and bicubic {@code Image.resize}
 * ({@link #pil}), which torchvision's {@code Resize} applies to PIL images (FGVC, CVPT), bit-identical on
 * 8-bit inputs (checked by {@code TransformParityTest} against Pillow 9.4); and TF2's bilinear
 * {@code tf.image.resize} ({@link #tfBilinear}), which GatedPT's VTAB pipeline uses
 * ({@code src/data/datasets/tf_dataset.py}, {@code preprocess_fn}). Coefficients are computed once per axis
 * per call; the inner loops run over flat arrays with no per-pixel allocation.
 *
 * <p>Long because it holds the resize kernels the papers' pipelines use (PIL's and TensorFlow's bilinear and
 * bicubic), which share the separable two-pass driver written once here.
 */
public final class Resize {
    /** The two PIL filters the pipelines use, with Pillow's kernel definitions and supports. */
    public enum Filter {
        /** Triangle kernel, support 1. */
        BILINEAR(1.0),
        /** Keys cubic kernel with a = −0.5, support 2 (Pillow's constant). */
        BICUBIC(2.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        /** Kernel half-width in source pixels at scale 1. */
        public double support() {
            return support;
        }

        /** The kernel at x; the operation order follows Pillow so that doubles round the same way. */
        double kernel(double x) {
            if (x < 0.0) {
                x = -x;
            }
            if (this == BILINEAR) {
                return x < 1.0 ? 1.0 - x : 0.0;
            }
            final double a = -0.5;
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }
    }

    /** Pillow's fixed-point precision for 8-bit images: 32 − 8 − 2 bits. */
    private static final int PRECISION_BITS = 22;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private Resize() {}

    /** Pillow {@code resize((outW, outH), BILINEAR)} on an 8-bit image. */
    public static Image pilBilinear(Image img, int outW, int outH) {
        return pil(img, outW, outH, Filter.BILINEAR);
    }

    /** Pillow {@code resize((outW, outH), BICUBIC)} on an 8-bit image. */
    public static Image pilBicubic(Image img, int outW, int outH) {
        return pil(img, outW, outH, Filter.BICUBIC);
    }

    /**
     * Pillow {@code Image.resize} with the given filter. Input values are taken as 8-bit (rounded and clipped
     * to 0..255, which is a no-op for decoded images); the output holds integers 0..255 as floats.
     * <ul>
     *   <li>separable: a horizontal pass, then a vertical pass, each skipped when that axis keeps its size;</li>
     *   <li>the kernel is centred on the source coordinate {@code (dst + 0.5)·scale}; when downscaling its
     *       support is widened by the scale factor (antialiasing) and its argument divided by it;</li>
     *   <li>taps are the source pixels within {@code round(centre ± support)}, clipped to the image; their
     *       weights are normalised to sum to one per output pixel;</li>
     *   <li>the weights are turned into 22-bit fixed point (rounded half away from zero), accumulated in
     *       32-bit integers from a rounding bias of 2^21, and each pass result is clipped to 0..255 and stored
     *       as a byte: the intermediate image between the passes is 8-bit, as in Pillow;</li>
     *   <li>bicubic uses Pillow's a = −0.5 (PyTorch's tensor bicubic uses −0.75).</li>
     * </ul>
     * The coefficient arithmetic is done in doubles in the same order as Pillow's.
     */
    public static Image pil(Image img, int outW, int outH, Filter filter) {
        checkSize(outW, outH);
        int c = img.channels();
        int h = img.height();
        int w = img.width();
        float[] src = img.data();

        // Horizontal pass (or a plain byte conversion when the width is kept, as Pillow skips the pass).
        int[] mid = new int[c * h * outW];
        if (outW != w) {
            Taps tx = Taps.pil(w, outW, filter);
            if (c == 3) {
                horizontalRgb(src, h, w, tx, outW, mid);
            } else {
                horizontalPlanes(src, c * h, w, tx, outW, mid);
            }
        } else {
            for (int i = 0; i < mid.length; i++) {
                mid[i] = toByte(src[i]);
            }
        }

        float[] dst = new float[c * outH * outW];
        if (outH != h) {
            // Vertical pass: accumulate whole rows per tap so the inner loop is contiguous.
            Taps ty = Taps.pil(h, outH, filter);
            int[] acc = new int[outW];
            for (int ch = 0; ch < c; ch++) {
                int plane = ch * h * outW;
                for (int yy = 0; yy < outH; yy++) {
                    Arrays.fill(acc, HALF);
                    int s = ty.start[yy];
                    int n = ty.count[yy];
                    int k = yy * ty.ksize;
                    for (int t = 0; t < n; t++) {
                        int wt = ty.weight[k + t];
                        int base = plane + (s + t) * outW;
                        for (int x = 0; x < outW; x++) {
                            acc[x] += mid[base + x] * wt;
                        }
                    }
                    int out = (ch * outH + yy) * outW;
                    for (int x = 0; x < outW; x++) {
                        dst[out + x] = clip8(acc[x]);
                    }
                }
            }
        } else {
            for (int i = 0; i < dst.length; i++) {
                dst[i] = mid[i];
            }
        }
        return new Image(c, outH, outW, dst);
    }

    /**
     * Pillow's horizontal pass on a three-channel image. The three planes' rows are interleaved into one
     * buffer so that each tap's weight and index are loaded once for all channels (as Pillow does on its
     * interleaved pixels); this is about a third faster than filtering plane by plane.
     */
    private static void horizontalRgb(float[] src, int h, int w, Taps tx, int outW, int[] mid) {
        int[] start = tx.start;
        int[] count = tx.count;
        int[] weight = tx.weight;
        int ksize = tx.ksize;
        int plane = h * w;
        int outPlane = h * outW;
        int[] row = new int[3 * w];
        for (int y = 0; y < h; y++) {
            int in = y * w;
            for (int x = 0; x < w; x++) {
                row[3 * x] = toByte(src[in + x]);
                row[3 * x + 1] = toByte(src[plane + in + x]);
                row[3 * x + 2] = toByte(src[2 * plane + in + x]);
            }
            int out = y * outW;
            for (int xx = 0, k = 0; xx < outW; xx++, k += ksize) {
                int p = 3 * start[xx];
                int n = count[xx];
                int a0 = HALF;
                int a1 = HALF;
                int a2 = HALF;
                for (int t = 0; t < n; t++, p += 3) {
                    int wt = weight[k + t];
                    a0 += row[p] * wt;
                    a1 += row[p + 1] * wt;
                    a2 += row[p + 2] * wt;
                }
                mid[out + xx] = clip8(a0);
                mid[outPlane + out + xx] = clip8(a1);
                mid[2 * outPlane + out + xx] = clip8(a2);
            }
        }
    }

    /** Pillow's horizontal pass, one row of one plane at a time (any channel count). */
    private static void horizontalPlanes(float[] src, int rows, int w, Taps tx, int outW, int[] mid) {
        int[] start = tx.start;
        int[] count = tx.count;
        int[] weight = tx.weight;
        int ksize = tx.ksize;
        int[] row = new int[w];
        for (int r = 0; r < rows; r++) {
            int in = r * w;
            for (int x = 0; x < w; x++) {
                row[x] = toByte(src[in + x]);
            }
            int out = r * outW;
            for (int xx = 0, k = 0; xx < outW; xx++, k += ksize) {
                int s = start[xx];
                int n = count[xx];
                int acc = HALF;
                for (int t = 0; t < n; t++) {
                    acc += row[s + t] * weight[k + t];
                }
                mid[out + xx] = clip8(acc);
            }
        }
    }

    /**
     * TF2 {@code tf.image.resize(img, (outH, outW), 'bilinear', antialias=False)}: half-pixel centres, no
     * antialiasing, float output on the input's scale (not rounded). The source coordinate
     * {@code (dst + 0.5)·scale − 0.5} is in float32 with the neighbours clamped to the image, and the blending
     * is linear in float32. PyTorch's {@code F.interpolate(mode='bilinear', align_corners=False,
     * antialias=False)} is the same operation, but torch 1.13 keeps the source coordinate in double: where a
     * 0/255 edge is interpolated the two differ by up to ~255·ulp(coordinate) (1.6e-3 measured, i.e. 6e-6
     * after ÷255). This follows TF, as GatedPT does.
     */
    public static Image tfBilinear(Image img, int outW, int outH) {
        checkSize(outW, outH);
        int c = img.channels();
        int h = img.height();
        int w = img.width();
        float[] src = img.data();
        Linear lx = Linear.halfPixel(w, outW);
        Linear ly = Linear.halfPixel(h, outH);
        float[] dst = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++) {
            int plane = ch * h * w;
            for (int yy = 0; yy < outH; yy++) {
                int top = plane + ly.lower[yy] * w;
                int bottom = plane + ly.upper[yy] * w;
                float yl = ly.lerp[yy];
                int out = (ch * outH + yy) * outW;
                for (int xx = 0; xx < outW; xx++) {
                    int l = lx.lower[xx];
                    int u = lx.upper[xx];
                    float xl = lx.lerp[xx];
                    float t = src[top + l] + (src[top + u] - src[top + l]) * xl;
                    float b = src[bottom + l] + (src[bottom + u] - src[bottom + l]) * xl;
                    dst[out + xx] = t + (b - t) * yl;
                }
            }
        }
        return new Image(c, outH, outW, dst);
    }

    /**
     * torchvision {@code Resize(size)} with an int size on a PIL image (FGVC's Resize(256)): the shorter side
     * becomes {@code size}, the longer {@code int(size·long/short)} (truncated), then the PIL filter.
     */
    public static Image shorterSide(Image img, int size, Filter filter) {
        int[] hw = shorterSideSize(img.height(), img.width(), size);
        return pil(img, hw[1], hw[0], filter);
    }

    /**
     * The output {height, width} of torchvision's {@code Resize(size)} for an h×w image. torchvision computes
     * {@code int(size * long / short)} with a float division; size·long is an exact integer here, so the
     * double quotient truncates identically. A square image (w ≤ h takes the first branch) gives size×size.
     */
    public static int[] shorterSideSize(int h, int w, int size) {
        if (size < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("size " + size + " for " + h + "x" + w);
        }
        if (w <= h) {
            return new int[] {(int) ((double) size * h / w), size};
        }
        return new int[] {size, (int) ((double) size * w / h)};
    }

    private static void checkSize(int outW, int outH) {
        if (outW < 1 || outH < 1) {
            throw new IllegalArgumentException("output size " + outW + "x" + outH);
        }
    }

    /** A value as Pillow's 8-bit sample: rounded and clipped to 0..255 (NaN reads as 0); branch-free. */
    private static int toByte(float v) {
        return Math.min(255, Math.max(0, (int) (v + 0.5f)));
    }

    /** Pillow's clip8: floor(acc / 2^22) clipped to 0..255 (acc already holds the +2^21 rounding bias). */
    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** One axis of a PIL resample: per output index, first tap, tap count and fixed-point weights. */
    private static final class Taps {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] weight;

        private Taps(int ksize, int outSize) {
            this.ksize = ksize;
            this.start = new int[outSize];
            this.count = new int[outSize];
            this.weight = new int[outSize * ksize];
        }

        static Taps pil(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            Taps taps = new Taps(ksize, outSize);
            double inv = 1.0 / filterScale;
            double[] w = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                // Pillow rounds the window ends by adding 0.5 and truncating toward zero, then clips.
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize);
                int n = Math.min(xmax - xmin, ksize);
                double sum = 0.0;
                for (int x = 0; x < n; x++) {
                    w[x] = filter.kernel((x + xmin - center + 0.5) * inv);
                    sum += w[x];
                }
                int k = xx * ksize;
                for (int x = 0; x < n; x++) {
                    double v = sum != 0.0 ? w[x] / sum : w[x];
                    taps.weight[k + x] = v < 0
                            ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                            : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                taps.start[xx] = xmin;
                taps.count[xx] = Math.max(n, 0);
            }
            return taps;
        }
    }

    /** One axis of a half-pixel linear resample: neighbour indices and the float blend factor. */
    private static final class Linear {
        final int[] lower;
        final int[] upper;
        final float[] lerp;

        private Linear(int outSize) {
            lower = new int[outSize];
            upper = new int[outSize];
            lerp = new float[outSize];
        }

        /**
         * TF's HalfPixelScaler in float32: in = (x + 0.5)·scale − 0.5 with scale = in/out; lower = max(floor, 0),
         * upper = min(ceil, size − 1), lerp = in − floor(in). Left of the first centre both neighbours are
         * pixel 0, which is PyTorch's clamp of the source index to 0.
         */
        static Linear halfPixel(int inSize, int outSize) {
            Linear l = new Linear(outSize);
            float scale = (float) inSize / outSize;
            for (int x = 0; x < outSize; x++) {
                float in = (x + 0.5f) * scale - 0.5f;
                float f = (float) Math.floor(in);
                l.lower[x] = Math.min(Math.max((int) f, 0), inSize - 1);
                l.upper[x] = Math.min(Math.max((int) Math.ceil(in), 0), inSize - 1);
                l.lerp[x] = in - f;
            }
            return l;
        }
    }
}
