package dev.vptlab.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A split given as a list of (image file, label) entries, whatever file listed them (VTAB-1K's
 * {@code .txt} lists, FGVC's JSON splits). Everything is checked when the split is opened, before any
 * training: every file exists, every label is in range, and every image decodes fully as Pillow would
 * accept it ({@link ImageDecoder}), in parallel on a few threads. Small splits with a deterministic
 * transform are kept as tensors from that decode; larger ones are decoded again on demand, their checks
 * remembered by file size and modification time ({@link CheckedImages}) so that reopening them is cheap.
 */
public final class ListedImageDataset implements StoredImages {
    /**
     * One image: its file, label, where it was listed (for error messages), and its path as the list wrote it
     * (relative to the task folder; what {@link #path} returns, so saved logits name images as the list does).
     */
    public record Entry(Path file, int label, Path listFile, int line, String listed) {}

    /** Threads decoding at open: a few, so that the images in flight stay a few (each up to the pixel limit). */
    private static final int DECODE_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private final String name;
    private final List<Entry> entries;
    private final int classes;
    private final Transform transform;
    private final int[] shape;
    private final HostTensorStore cache;
    private final List<String> skipped;
    private final long maxPixels;

    private ListedImageDataset(String name, List<Entry> entries, int classes, Transform transform, int[] shape,
            HostTensorStore cache, List<String> skipped, long maxPixels) {
        this.name = name;
        this.entries = entries;
        this.classes = classes;
        this.transform = transform;
        this.shape = shape;
        this.cache = cache;
        this.skipped = skipped;
        this.maxPixels = maxPixels;
    }

    /** Opens a split: validates entries, decodes every image (keeping the transformed tensors when cached). */
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
        Random unused = new Random(0);
        DatasetException[] bad = decodeAll(listed, !o.skipCorrupt(), i -> {
            Path file = listed.get(i).file();
            if (cached) {
                data[i] = transform.apply(ImageDecoder.decode(file, o.maxPixels()), unused);
            } else {
                CheckedImages.check(file, o.maxPixels());
            }
        });
        List<Entry> kept = new ArrayList<>();
        List<float[]> keptData = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < listed.size(); i++) {
            if (bad[i] != null) {
                if (!o.skipCorrupt()) {
                    throw bad[i];
                }
                skipped.add(bad[i].getMessage());
            } else {
                kept.add(listed.get(i));
                if (cached) {
                    keptData.add(data[i]);
                }
            }
        }
        if (kept.isEmpty()) {
            throw new DatasetException(listFile, "no readable image in the split (" + skipped.size() + " skipped)");
        }
        if (!skipped.isEmpty()) {
            System.err.println("WARNING " + name + ": skipped " + skipped.size() + " unreadable image(s), first: " + skipped.get(0));
        }
        float[] first = cached ? keptData.get(0)
                : transform.apply(ImageDecoder.decode(kept.get(0).file(), o.maxPixels()), new Random(0));
        int side = (int) Math.round(Math.sqrt(first.length / 3.0));
        int[] shape = {3, side, side};
        HostTensorStore store = null;
        if (cached) {
            store = new HostTensorStore(kept.size(), 3, side, side);
            for (int i = 0; i < keptData.size(); i++) {
                store.put(i, keptData.get(i));
            }
        }
        return new ListedImageDataset(name, Collections.unmodifiableList(kept), classes, transform, shape, store,
                List.copyOf(skipped), o.maxPixels());
    }

    /** Work on entry i; throws {@link DatasetException} (naming the image) when the image is unusable. */
    private interface EntryWork {
        void run(int i);
    }

    /**
     * Runs {@code work} on every entry on {@link #DECODE_THREADS} threads; the failures come back per entry,
     * naming the split file and line. With {@code stopAtFirst}, entries after the earliest known failure are
     * not started (failing fast), while every entry before it still runs, so the failure reported first in
     * list order does not depend on thread timing.
     */
    private static DatasetException[] decodeAll(List<Entry> listed, boolean stopAtFirst, EntryWork work) {
        int n = listed.size();
        DatasetException[] bad = new DatasetException[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger firstBad = new AtomicInteger(Integer.MAX_VALUE);
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < n && !(stopAtFirst && i > firstBad.get()); i = next.getAndIncrement()) {
                Entry e = listed.get(i);
                try {
                    work.run(i);
                } catch (DatasetException ex) {
                    bad[i] = new DatasetException(e.listFile(), e.line(), ex.getMessage());
                } catch (RuntimeException ex) {
                    bad[i] = new DatasetException(e.listFile(), e.line(), e.file() + ": cannot be transformed (" + ex + ")");
                }
                if (bad[i] != null) {
                    firstBad.accumulateAndGet(i, Math::min);
                }
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(DECODE_THREADS, r -> {
            Thread t = new Thread(r, "vptlab-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < DECODE_THREADS; t++) {
                futures.add(pool.submit(worker));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException(listed.get(0).listFile(), "interrupted while decoding the split's images");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return bad;
    }

    /** Images dropped as unreadable in {@link LoadOptions#skipCorrupt()} mode. */
    public int skipped() {
        return skipped.size();
    }

    /** What was dropped in {@link LoadOptions#skipCorrupt()} mode: split file, line, image and problem, in list order. */
    @Override
    public List<String> skippedImages() {
        return skipped;
    }

    /** True when the split was decoded once and is served from memory. */
    public boolean cached() {
        return cache != null;
    }

    /** The decoded split as tensors (null when not cached); batches are gathered from it in one copy. */
    @Override
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
            return transform.apply(ImageDecoder.decode(e.file(), maxPixels), rng);
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
        return entries.get(i).listed();
    }

    @Override
    public boolean deterministic() {
        return transform.deterministic();
    }
}
