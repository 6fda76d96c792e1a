package dev.vptlab.data;

import dev.vptlab.VptlabException;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * A split with a deterministic transform, transformed once (in parallel) and then served from a host
 * store, as VTAB's cached splits are ({@link ListedImageDataset}). Batches come from memory in one copy,
 * so a measurement of the model is not a measurement of the input pipeline.
 */
public final class InMemory extends ForwardingDataset implements StoredImages {
    private final HostTensorStore store;

    private InMemory(ImageDataset inner, HostTensorStore store) {
        super(inner);
        this.store = store;
    }

    /** {@code d}'s images, each made once now. */
    public static InMemory of(ImageDataset d) {
        if (!d.deterministic()) {
            throw new VptlabException(d.name() + ": its transform is random, so its images cannot be made once and kept");
        }
        int[] s = d.imageShape();
        HostTensorStore store = new HostTensorStore(d.size(), s[0], s[1], s[2]);
        IntStream.range(0, d.size()).parallel().forEach(i -> store.put(i, d.image(i, new Random(0))));
        return new InMemory(d, store);
    }

    @Override
    public HostTensorStore store() {
        return store;
    }

    @Override
    public float[] image(int i, Random rng) {
        return store.get(i);
    }
}
