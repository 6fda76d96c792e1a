package dev.vptlab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/** Turns indices of a dataset into one [B, C, H, W] NDArray, decoding images in parallel. */
public final class Batches {
    private Batches() {}

    /**
     * A batch decoded on the host, ready to become one tensor: a native-order direct buffer, which the
     * engine adopts without another copy.
     */
    public record HostBatch(ByteBuffer buffer, Shape shape) {}

    /**
     * @param rngFor random source per dataset index (see {@link ImageDataset#image})
     */
    public static NDArray images(NDManager m, ImageDataset d, int[] indices, IntFunction<Random> rngFor) {
        HostTensorStore store = storeOf(d);
        if (store != null) {
            return store.gather(m, indices);
        }
        return toArray(m, decode(d, indices, rngFor));
    }

    /** True when batches of {@code d} come from memory (no decoding worth prefetching). */
    public static boolean inMemory(ImageDataset d) {
        return storeOf(d) != null;
    }

    /** The images of {@code d} as a host store when it keeps them in memory (a cached list, a mini-benchmark split). */
    private static HostTensorStore storeOf(ImageDataset d) {
        if (d instanceof StoredImages stored) {
            return stored.store();
        }
        if (d instanceof FirstImages f) {
            return storeOf(f.inner()); // its indices are those of the inner split
        }
        return null;
    }

    /** Decodes and transforms the images in parallel into a direct buffer (any thread may call this). */
    public static HostBatch decode(ImageDataset d, int[] indices, IntFunction<Random> rngFor) {
        int[] s = d.imageShape();
        int per = s[0] * s[1] * s[2];
        ByteBuffer buf = ByteBuffer.allocateDirect(indices.length * per * 4).order(ByteOrder.nativeOrder());
        FloatBuffer all = buf.asFloatBuffer();
        IntStream.range(0, indices.length).parallel().forEach(j -> {
            float[] img = d.image(indices[j], rngFor.apply(indices[j]));
            all.duplicate().position(j * per).put(img, 0, per);
        });
        return new HostBatch(buf, new Shape(indices.length, s[0], s[1], s[2]));
    }

    /** The batch as a tensor on {@code m}; the tensor keeps the buffer alive for its lifetime. */
    public static NDArray toArray(NDManager m, HostBatch b) {
        return m.create(b.buffer(), b.shape(), DataType.FLOAT32);
    }

    /** The indices start, start+1, …, start+count−1 (a batch of a dataset read in order). */
    public static int[] range(int start, int count) {
        int[] r = new int[count];
        for (int j = 0; j < count; j++) {
            r[j] = start + j;
        }
        return r;
    }

    public static int[] labels(ImageDataset d, int[] indices) {
        int[] out = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            out[j] = d.label(indices[j]);
        }
        return out;
    }
}
