package dev.vptlab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
        int[] s = d.imageShape();
        int per = s[0] * s[1] * s[2];
        float[] all = new float[indices.length * per];
        IntStream.range(0, indices.length).parallel().forEach(j -> {
            float[] img = d.image(indices[j], rngFor.apply(indices[j]));
            System.arraycopy(img, 0, all, j * per, per);
        });
        return m.create(FloatBuffer.wrap(all), new Shape(indices.length, s[0], s[1], s[2]));
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
