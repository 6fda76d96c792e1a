package dev.vptlab.checkpoint;

import java.util.Arrays;

/** The few layout changes the key maps need, done once at load time on fp32 host data. */
final class TensorOps {
    private TensorOps() {}

    /** Axis permutation (like {@code np.transpose(t, perm)}), result contiguous fp32. */
    static RawTensor permute(RawTensor t, int... perm) {
        long[] shape = t.shape();
        int rank = shape.length;
        if (perm.length != rank) {
            throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " for shape " + Arrays.toString(shape));
        }
        float[] src = t.toFloatArray();
        long[] outShape = new long[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
        }
        long[] srcStride = strides(shape);
        float[] dst = new float[src.length];
        int[] idx = new int[rank];
        for (int o = 0; o < dst.length; o++) {
            long s = 0;
            for (int i = 0; i < rank; i++) {
                s += idx[i] * srcStride[perm[i]];
            }
            dst[o] = src[(int) s];
            for (int i = rank - 1; i >= 0; i--) {
                if (++idx[i] < outShape[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return RawTensor.ofFloats(outShape, dst);
    }

    /** 2-D transpose. */
    static RawTensor transpose(RawTensor t) {
        return permute(t, 1, 0);
    }

    /** Concatenation along axis 0 of fp32 tensors whose other dimensions agree. */
    static RawTensor concat0(RawTensor... parts) {
        long[] shape = parts[0].shape();
        long rows = 0;
        int total = 0;
        for (RawTensor p : parts) {
            rows += p.shape()[0];
            total += (int) p.numel();
        }
        float[] out = new float[total];
        int at = 0;
        for (RawTensor p : parts) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        shape[0] = rows;
        return RawTensor.ofFloats(shape, out);
    }

    static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }
}
