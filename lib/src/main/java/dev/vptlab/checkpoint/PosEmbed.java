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
        long[] s = posEmbed.shape();
        int d = (int) s[2];
        int grid = (int) Math.round(Math.sqrt(s[1] - 1));
        float[] src = posEmbed.toFloatArray();
        float[] out = new float[(1 + newGrid * newGrid) * d];
        System.arraycopy(src, 0, out, 0, d);
        double scale = (double) grid / newGrid;
        for (int oy = 0; oy < newGrid; oy++) {
            double sy = (oy + 0.5) * scale - 0.5;
            int y0 = (int) Math.floor(sy);
            double[] wy = weights(sy - y0);
            for (int ox = 0; ox < newGrid; ox++) {
                double sx = (ox + 0.5) * scale - 0.5;
                int x0 = (int) Math.floor(sx);
                double[] wx = weights(sx - x0);
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int i = 0; i < 4; i++) {
                        int yy = clamp(y0 - 1 + i, grid);
                        double row = 0;
                        for (int j = 0; j < 4; j++) {
                            int xx = clamp(x0 - 1 + j, grid);
                            row += wx[j] * src[(1 + yy * grid + xx) * d + c];
                        }
                        acc += wy[i] * row;
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
        long[] s = posEmbed.shape();
        int d = (int) s[2];
        int grid = (int) Math.round(Math.sqrt(s[1] - 1));
        float[] src = posEmbed.toFloatArray();
        float[] out = new float[(1 + newGrid * newGrid) * d];
        System.arraycopy(src, 0, out, 0, d);
        double scale = (double) grid / newGrid;
        for (int oy = 0; oy < newGrid; oy++) {
            double sy = Math.max(0, (oy + 0.5) * scale - 0.5);
            int y0 = Math.min((int) sy, grid - 1);
            int y1 = Math.min(y0 + 1, grid - 1);
            double fy = sy - y0;
            for (int ox = 0; ox < newGrid; ox++) {
                double sx = Math.max(0, (ox + 0.5) * scale - 0.5);
                int x0 = Math.min((int) sx, grid - 1);
                int x1 = Math.min(x0 + 1, grid - 1);
                double fx = sx - x0;
                for (int c = 0; c < d; c++) {
                    double top = (1 - fx) * src[(1 + y0 * grid + x0) * d + c] + fx * src[(1 + y0 * grid + x1) * d + c];
                    double bottom = (1 - fx) * src[(1 + y1 * grid + x0) * d + c] + fx * src[(1 + y1 * grid + x1) * d + c];
                    out[(1 + oy * newGrid + ox) * d + c] = (float) ((1 - fy) * top + fy * bottom);
                }
            }
        }
        return RawTensor.ofFloats(new long[] {1, 1 + (long) newGrid * newGrid, d}, out);
    }
}
