package dev.vptlab.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as stored in a checkpoint: element type, shape and contiguous little-endian bytes
 * (row-major). Conversion to fp32 happens here, in Java, so that no BFLOAT16 NDArray is ever
 * created (DJL 0.35.1 terminates the JVM on them).
 */
public final class RawTensor {
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;

    /**
     * @param data exactly {@code numel * dtype.byteSize()} bytes, read from position 0; a
     *     little-endian read-only view is kept
     */
    public RawTensor(DType dtype, long[] shape, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        // exact: a huge shape must not wrap around to the size of a small buffer
        long need = Math.multiplyExact(numel(shape), (long) dtype.byteSize());
        if (data.remaining() != need) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype
                    + " needs " + need + " bytes, got " + data.remaining());
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 tensor holding a copy of {@code values}. */
    public static RawTensor ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new RawTensor(DType.F32, shape, b);
    }

    public static long numel(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            if (d == 0) { // empty, in any order of the dimensions (a reversed Fortran shape must not overflow first)
                return 0;
            }
        }
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return numel(shape);
    }

    /** Little-endian read-only view of the bytes, positioned at 0. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Values converted to fp32 (fp16 and bf16 are widened exactly; fp64 and integers rounded). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data();
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(i * 8);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = halfToFloat(b.getShort(i * 2));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
            }
            case I64 -> {
                for (int i = 0; i < n; i++) out[i] = b.getLong(i * 8);
            }
            case I32 -> {
                for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4);
            }
            case I16 -> {
                for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2);
            }
            case I8 -> {
                for (int i = 0; i < n; i++) out[i] = b.get(i);
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff;
            }
            default -> throw new IllegalStateException(dtype.toString());
        }
        return out;
    }

    /** IEEE 754 binary16 to binary32, exact (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: value = mant · 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Same data under another shape with the same element count (a reshape of contiguous data). */
    public RawTensor reshape(long... newShape) {
        if (numel(newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape));
        }
        return new RawTensor(dtype, newShape, data());
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
