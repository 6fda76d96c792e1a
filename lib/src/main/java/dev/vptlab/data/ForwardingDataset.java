package dev.vptlab.data;

import java.util.Random;

/** A split that answers with another split's images and labels, except where a subclass says otherwise. */
public abstract class ForwardingDataset implements ImageDataset {
    private final ImageDataset inner;

    protected ForwardingDataset(ImageDataset inner) {
        this.inner = inner;
    }

    /** The split this one forwards to. */
    public ImageDataset inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public int numClasses() {
        return inner.numClasses();
    }

    @Override
    public int[] imageShape() {
        return inner.imageShape();
    }

    @Override
    public float[] image(int i, Random rng) {
        return inner.image(i, rng);
    }

    @Override
    public int label(int i) {
        return inner.label(i);
    }

    @Override
    public String path(int i) {
        return inner.path(i);
    }

    @Override
    public boolean deterministic() {
        return inner.deterministic();
    }

    @Override
    public java.util.List<String> skippedImages() {
        return inner.skippedImages();
    }
}
