package dev.vptlab.ssl;

/**
 * The fixed 2-D sine-cosine position embedding of MAE (He et al. 2022, {@code get_2d_sincos_pos_embed})
 * and MoCo v3 (Chen et al. 2021, {@code build_2d_sincos_position_embedding}): for patch token
 * t = grid·row + col (the order of {@code PatchEmbed}) and ω_k = 10000^(−k/(D/4)), k = 0 … D/4 − 1,
 * <pre>
 *   e[t] = [sin(col·ω), cos(col·ω), sin(row·ω), cos(row·ω)]
 * </pre>
 * with an all-zero row in front for the CLS token. Both papers keep it frozen during pretraining.
 */
public final class SinCosPosEmbed {
    private SinCosPosEmbed() {}

    /**
     * The [(withCls ? 1 : 0) + grid², dim] table, row-major.
     *
     * @param dim must be a multiple of 4
     */
    public static float[] table(int grid, int dim, boolean withCls) {
        if (dim % 4 != 0 || grid < 1) {
            throw new IllegalArgumentException("sin-cos embedding needs dim % 4 == 0 and grid >= 1, got " + dim + ", " + grid);
        }
        int quarter = dim / 4;
        double[] omega = new double[quarter];
        for (int k = 0; k < quarter; k++) {
            omega[k] = 1.0 / Math.pow(10000.0, (double) k / quarter);
        }
        int offset = withCls ? 1 : 0;
        float[] out = new float[(offset + grid * grid) * dim];
        for (int row = 0; row < grid; row++) {
            for (int col = 0; col < grid; col++) {
                int base = (offset + row * grid + col) * dim;
                for (int k = 0; k < quarter; k++) {
                    out[base + k] = (float) Math.sin(col * omega[k]);
                    out[base + quarter + k] = (float) Math.cos(col * omega[k]);
                    out[base + 2 * quarter + k] = (float) Math.sin(row * omega[k]);
                    out[base + 3 * quarter + k] = (float) Math.cos(row * omega[k]);
                }
            }
        }
        return out;
    }
}
