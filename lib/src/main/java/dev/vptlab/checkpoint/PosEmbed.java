package dev.vptlab.checkpoint;

/**
 * Resizes a position-embedding table to another patch grid (an input size other than the checkpoint's),
 * keeping the CLS entry: the patch part, as a [D, g, g] image, is resampled bicubically with PyTorch's
 * {@code F.interpolate(mode='bicubic', align_corners=False)} semantics, which timm 0.5.4's
 * {@code resize_pos_embed} uses (cubic convolution with A = −0.75, border indices clamped).
 */
public final class PosEmbed {
    private static final double A = -0.75;

    private PosEmbed() {}

    /** @param posEmbed [1, 1 + g², D]; @return [1, 1 + newGrid², D] */
    public static RawTensor resample(RawTensor posEmbed, int newGrid) {
        return resample(posEmbed, newGrid, (sourceGrid, src) -> {
            int x0 = (int) Math.floor(src);
            double[] w = weights(src - x0);
            int[] at = new int[4];
            for (int i = 0; i < 4; i++) {
                at[i] = clamp(x0 - 1 + i, sourceGrid);
            }
            return new Taps(at, w);
        });
    }

    /** The source positions and weights one output position reads along an axis. */
    private record Taps(int[] at, double[] weights) {}

    /** How an interpolation picks {@link Taps} at source coordinate {@code src} of a {@code sourceGrid}-long axis. */
    @FunctionalInterface
    private interface Kernel {
        Taps taps(int sourceGrid, double src);
    }

    /**
     * The separable resize both interpolations share: output position o reads source coordinate
     * (o + 0.5)·g/g' − 0.5 (half-pixel centres, align_corners=False) along each axis; the CLS entry is copied.
     */
    private static RawTensor resample(RawTensor posEmbed, int newGrid, Kernel kernel) {
        long[] s = posEmbed.shape();
        int d = (int) s[2];
        int grid = (int) Math.round(Math.sqrt(s[1] - 1));
        float[] src = posEmbed.toFloatArray();
        float[] out = new float[(1 + newGrid * newGrid) * d];
        System.arraycopy(src, 0, out, 0, d);
        double scale = (double) grid / newGrid;
        Taps[] axis = new Taps[newGrid];
        for (int o = 0; o < newGrid; o++) {
            axis[o] = kernel.taps(grid, (o + 0.5) * scale - 0.5);
        }
        for (int oy = 0; oy < newGrid; oy++) {
            Taps ty = axis[oy];
            for (int ox = 0; ox < newGrid; ox++) {
                Taps tx = axis[ox];
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int i = 0; i < ty.at().length; i++) {
                        double row = 0;
                        for (int j = 0; j < tx.at().length; j++) {
                            row += tx.weights()[j] * src[(1 + ty.at()[i] * grid + tx.at()[j]) * d + c];
                        }
                        acc += ty.weights()[i] * row;
                    }
                    out[(1 + oy * newGrid + ox) * d + c] = (float) acc;
                }
            }
        }
        return RawTensor.ofFloats(new long[] {1, 1 + (long) newGrid * newGrid, d}, out);
    }

    private static int clamp(int i, int n) {
        return Math.max(0, Math.min(n - 1, i));
    }

    /** Keys' cubic-convolution weights for offsets −1, 0, 1, 2 at fractional position t. */
    private static double[] weights(double t) {
        return new double[] {cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)};
    }

    private static double cubicNear(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double cubicFar(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    /**
     * The same resize bilinearly, as mmsegmentation's {@code VisionTransformer.resize_pos_embed} does for SETR
     * ({@code F.interpolate(mode='bilinear', align_corners=False)}, no antialiasing): source coordinate
     * (o + 0.5)·g/g' − 0.5, clamped at 0 below, neighbours clamped at the edge. The CLS entry is kept.
     *
     * @param posEmbed [1, 1 + g², D]; @return [1, 1 + newGrid², D]
     */
    public static RawTensor resampleBilinear(RawTensor posEmbed, int newGrid) {
        return resample(posEmbed, newGrid, (sourceGrid, src) -> {
            double c = Math.max(0, src);
            int x0 = Math.min((int) c, sourceGrid - 1);
            double f = c - x0;
            return new Taps(new int[] {x0, Math.min(x0 + 1, sourceGrid - 1)}, new double[] {1 - f, f});
        });
    }
}
