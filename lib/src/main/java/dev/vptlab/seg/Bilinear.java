package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear resizing exactly as PyTorch's {@code F.interpolate(mode='bilinear', align_corners=False,
 * antialias=False)}, which mmsegmentation v0.15.0 uses everywhere ({@code mmseg.ops.resize}, {@code Upsample}).
 *
 * <p>Per axis, output index i reads the input at src = (i + 0.5)·(in/out) − 0.5, clamped at 0 from below; the
 * neighbours are ⌊src⌋ and ⌊src⌋ + 1 (clamped to the last row), with weights 1 − λ and λ, λ = src − ⌊src⌋. No
 * anti-aliasing filter when down-sampling.
 *
 * <p>Up-sampling (neither side shrinks) goes through the engine's {@code upsample_bilinear2d} (DJL's
 * {@code NDArrayEx.interpolation}): for output ≥ input its anti-aliased kernel has support one input pixel and
 * normalised edge weights, which coincides with the rule above (checked against PyTorch in the parity tests at
 * ×2, ×4 and 7 → 16). Any side that shrinks goes through our own separable form: two sparse interpolation
 * matrices, out = R_h · x · R_wᵀ, built from the rule above; DJL's own path would anti-alias there. Both paths are
 * differentiable.
 */
public final class Bilinear {
    private static final int DJL_BILINEAR = 1;

    private Bilinear() {}

    /** [B, C, H, W] → [B, C, height, width]. Returns {@code x} itself when the size is unchanged. */
    public static NDArray resize(NDArray x, int height, int width) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("bilinear resize wants [B, C, H, W], got " + s);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("target size " + height + "×" + width + " must be positive");
        }
        int inH = Math.toIntExact(s.get(2));
        int inW = Math.toIntExact(s.get(3));
        if (inH == height && inW == width) {
            return x;
        }
        if (height >= inH && width >= inW) {
            return x.getNDArrayInternal().interpolation(new long[] {height, width}, DJL_BILINEAR, false);
        }
        NDManager m = x.getManager();
        NDArray out = x;
        if (height != inH) {
            out = matrix(m, inH, height, x.getDataType()).matMul(out);                      // [oh, H] · [B, C, H, W]
        }
        if (width != inW) {
            out = out.matMul(matrix(m, inW, width, x.getDataType()).transpose());          // [B, C, oh, W] · [W, ow]
        }
        return out;
    }

    /**
     * The [out, in] interpolation matrix of one axis (row i holds the two weights of output i), with PyTorch's
     * arithmetic: scale = (float) in / out and the source coordinate in float ({@code area_pixel_compute_source_index}).
     */
    static NDArray matrix(NDManager m, int in, int out, DataType type) {
        float[] w = new float[out * in];
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            float src = scale * (i + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int i0 = (int) src;
            int i1 = i0 < in - 1 ? i0 + 1 : i0;
            float l1 = src - i0;
            float l0 = 1 - l1;
            w[i * in + i0] += l0;
            w[i * in + i1] += l1;
        }
        NDArray r = m.create(w, new Shape(out, in));
        return type == DataType.FLOAT32 ? r : r.toType(type, false);
    }
}
