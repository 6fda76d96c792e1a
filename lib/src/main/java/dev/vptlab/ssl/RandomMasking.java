package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * MAE's per-sample random masking ({@code random_masking}): uniform noise [B, L], its argsort is a
 * random permutation per sample ({@code idsShuffle}); the first K = ⌊L·(1 − ratio)⌋ positions are kept
 * ({@code idsKeep}), the argsort of the permutation is its inverse ({@code idsRestore}), and the mask is
 * 1 on removed patches, 0 on kept ones, in the original patch order.
 *
 * @param idsShuffle int64 [B, L]
 * @param idsKeep int64 [B, K], the first K entries of idsShuffle
 * @param idsRestore int64 [B, L], the inverse permutation
 * @param mask float32 [B, L]
 */
public record RandomMasking(NDArray idsShuffle, NDArray idsKeep, NDArray idsRestore, NDArray mask, int kept) {
    /** Draws a masking from the engine's generator. */
    public static RandomMasking draw(NDManager m, int batch, int length, float ratio) {
        int keep = (int) (length * (1 - ratio));
        if (keep < 1 || keep > length) {
            throw new IllegalArgumentException("mask ratio " + ratio + " keeps " + keep + " of " + length + " patches");
        }
        NDArray noise = m.randomUniform(0f, 1f, new Shape(batch, length));
        NDArray shuffle = noise.argSort(1);
        NDArray restore = shuffle.argSort(1);
        NDArray idsKeep = shuffle.get(":, :" + keep);
        NDArray mask = restore.gte(keep).toType(DataType.FLOAT32, false);
        return new RandomMasking(shuffle, idsKeep, restore, mask, keep);
    }

    /** x [B, L, D] → the kept tokens [B, K, D], in idsKeep order. */
    public NDArray keep(NDArray x) {
        return x.gather(expand(idsKeep, x.getShape().get(2)), 1);
    }

    /** x [B, L, D] in shuffled order (kept first) → original patch order. */
    public NDArray restore(NDArray x) {
        return x.gather(expand(idsRestore, x.getShape().get(2)), 1);
    }

    /** [B, n] indices → [B, n, d] (the same index for every channel), as torch.gather needs. */
    private static NDArray expand(NDArray ids, long d) {
        return ids.expandDims(2).repeat(2, d);
    }
}
