package dev.vptlab.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A split given as a list of (image file, label) entries, whatever file listed them (VTAB-1K's
 * {@code .txt} lists, FGVC's JSON splits). Everything is checked when the split is opened, before any
 * training: every file exists and its image header is readable, every label is in range; small splits
 * with a deterministic transform are decoded once, in parallel, and kept as tensors.
 */
public final class ListedImageDataset implements ImageDataset {
    /** One image: its file, label, and where it was listed (for error messages). */
    public record Entry(Path file, int label, Path listFile, int line) {}

    private final String name;
    private final List<Entry> entries;
    private final int classes;
    private final Transform transform;
    private final int[] shape;
    private final HostTensorStore cache;
    private final int skipped;

    private ListedImageDataset(String name, List<Entry> entries, int classes, Transform transform, int[] shape,
            HostTensorStore cache, int skipped) {
        this.name = name;
        this.entries = entries;
        this.classes = classes;
        this.transform = transform;
        this.shape = shape;
        this.cache = cache;
        this.skipped = skipped;
    }

    /** Opens a split: validates entries, probes (or fully decodes, when cached) every image. */
    public static ListedImageDataset open(String name, Path listFile, List<Entry> listed, int classes, Transform transform,
            LoadOptions o) {
        if (listed.isEmpty()) {
            throw new DatasetException(listFile, "empty split: no images listed");
        }
        for (Entry e : listed) {
            if (e.label() < 0 || e.label() >= classes) {
                throw new DatasetException(e.listFile(), e.line(), "label " + e.label() + " is outside the task's classes 0.."
                        + (classes - 1));
            }
            if (!java.nio.file.Files.isRegularFile(e.file())) {
                throw new DatasetException(e.listFile(), e.line(), "listed image not found: " + e.file());
            }
        }
        boolean cached = transform.deterministic() && listed.size() <= o.cacheLimit();
        float[][] data = cached ? new float[listed.size()][] : null;
        boolean[] bad = new boolean[listed.size()];
        AtomicInteger badCount = new AtomicInteger();
        Random unused = new Random(0);
        IntStream.range(0, listed.size()).parallel().forEach(i -> {
            Entry e = listed.get(i);
            try {
                if (cached) {
                    data[i] = transform.apply(ImageDecoder.decode(e.file()), unused);
                } else {
                    probe(e.file());
                }
            } catch (DatasetException ex) {
                if (!o.skipCorrupt()) {
                    throw new DatasetException(e.listFile(), e.line(), ex.getMessage());
                }
                bad[i] = true;
                badCount.incrementAndGet();
            }
        });
        List<Entry> kept = new ArrayList<>();
        List<float[]> keptData = new ArrayList<>();
        for (int i = 0; i < listed.size(); i++) {
            if (!bad[i]) {
                kept.add(listed.get(i));
                if (cached) {
                    keptData.add(data[i]);
                }
            }
        }
        if (kept.isEmpty()) {
            throw new DatasetException(listFile, "no readable image in the split (" + badCount.get() + " skipped)");
        }
        float[] first = cached ? keptData.get(0) : transform.apply(ImageDecoder.decode(kept.get(0).file()), new Random(0));
        int side = (int) Math.round(Math.sqrt(first.length / 3.0));
        int[] shape = {3, side, side};
        HostTensorStore store = null;
        if (cached) {
            store = new HostTensorStore(kept.size(), 3, side, side);
            for (int i = 0; i < keptData.size(); i++) {
                store.put(i, keptData.get(i));
            }
        }
        return new ListedImageDataset(name, Collections.unmodifiableList(kept), classes, transform, shape, store, badCount.get());
    }

    /** Reads only the header (format and size): catches missing, empty and wrong-format files cheaply. */
    private static void probe(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            java.util.Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DatasetException(file, "not a readable image (unknown or corrupt format)");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in);
                if (r.getWidth(0) < 1 || r.getHeight(0) < 1) {
                    throw new DatasetException(file, "image has no pixels");
                }
            } finally {
                r.dispose();
            }
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(file, "unreadable image header (" + e.getMessage() + ")", e);
        }
    }

    /** Images dropped as unreadable in {@link LoadOptions#skipCorrupt()} mode. */
    public int skipped() {
        return skipped;
    }

    /** True when the split was decoded once and is served from memory. */
    public boolean cached() {
        return cache != null;
    }

    /** The decoded split as tensors (null when not cached); batches are gathered from it in one copy. */
    public HostTensorStore store() {
        return cache;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int[] imageShape() {
        return shape.clone();
    }

    @Override
    public float[] image(int i, Random rng) {
        if (cache != null) {
            return cache.get(i);
        }
        Entry e = entries.get(i);
        try {
            return transform.apply(ImageDecoder.decode(e.file()), rng);
        } catch (DatasetException ex) {
            throw new DatasetException(e.listFile(), e.line(), ex.getMessage());
        }
    }

    @Override
    public int label(int i) {
        return entries.get(i).label();
    }

    @Override
    public String path(int i) {
        return entries.get(i).file().toString();
    }

    @Override
    public boolean deterministic() {
        return transform.deterministic();
    }
}
