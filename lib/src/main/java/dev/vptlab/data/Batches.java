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
     * @param rngFor random source per dataset index (see {@link ImageDataset#image})
     */
    public static NDArray images(NDManager m, ImageDataset d, int[] indices, IntFunction<Random> rngFor) {
        if (d instanceof ListedImageDataset l && l.store() != null) {
            return l.store().gather(m, indices);
        }
        int[] s = d.imageShape();
        int per = s[0] * s[1] * s[2];
        // Written straight into a native-order direct buffer, which the engine adopts without another
        // copy (a heap array would be copied once more on the way in).
        ByteBuffer buf = ByteBuffer.allocateDirect(indices.length * per * 4).order(ByteOrder.nativeOrder());
        FloatBuffer all = buf.asFloatBuffer();
        IntStream.range(0, indices.length).parallel().forEach(j -> {
            float[] img = d.image(indices[j], rngFor.apply(indices[j]));
            all.duplicate().position(j * per).put(img, 0, per);
        });
        return m.create(buf, new Shape(indices.length, s[0], s[1], s[2]), DataType.FLOAT32);
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
