package dev.vptlab.mini;

import dev.vptlab.data.HostTensorStore;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.data.StoredImages;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * One split of a mini-benchmark classification task as an {@link ImageDataset}: every image was rendered and
 * normalised when the split was made, so {@link #image} is a copy from memory and the dataset is
 * deterministic (the trainer may cache frozen-prefix features of it). {@link #store()} exposes the same
 * images as a {@link HostTensorStore}, from which {@code Batches.images} gathers a batch in one copy.
 */
public final class MiniDataset implements StoredImages {
    private final String name;
    private final int classes;
    private final Rendering data;
    private HostTensorStore store;

    MiniDataset(String name, int classes, Rendering data) {
        this.name = name;
        this.classes = classes;
        this.data = data;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int[] imageShape() {
        return new int[] {1, data.side(), data.side()};
    }

    @Override
    public float[] image(int i, Random rng) {
        return data.image(i);
    }

    @Override
    public int label(int i) {
        return data.labels()[i];
    }

    /** "task/split#i t10k:a,b" — the Fashion-MNIST test images sample i was drawn from. */
    @Override
    public String path(int i) {
        return name + "#" + i + " t10k:" + placements(i).stream().map(p -> Integer.toString(p.source()))
                .collect(Collectors.joining(","));
    }

    @Override
    public boolean deterministic() {
        return true;
    }

    /** How sample i was drawn: its items, in placement order. */
    public List<Canvas.Placement> placements(int i) {
        return data.placements().get(i);
    }

    /** The images as one host tensor store (made on first use; batches are gathered from it in one copy). */
    @Override
    public synchronized HostTensorStore store() {
        if (store == null) {
            HostTensorStore s = new HostTensorStore(size(), 1, data.side(), data.side());
            s.putAll(0, data.images());
            store = s;
        }
        return store;
    }
}
