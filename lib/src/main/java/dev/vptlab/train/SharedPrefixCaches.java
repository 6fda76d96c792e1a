package dev.vptlab.train;

import ai.djl.ndarray.NDManager;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Frozen-prefix caches shared by the successive runs of one study, reused across epochs and across runs
 * with the same k and backbone (vptlab's own optimisation). A run at block k gets the cache of
 * its split at k when one is held (an lr grid at one k builds it once), or the held one at a lower block
 * carried on to k ({@link PrefixCache#advance}): the sweep k = 1..L then runs the trunk once per image in
 * all instead of L(L−1)/2 block passes per image.
 *
 * <p>A split is recognised by identity (the same {@link ImageDataset} object, so the caller reuses its
 * opened splits) and the backbone by its file. Only the caches of the current run's splits are kept, so a
 * study holds no more than one run does. Runs share it one after another, not at the same time.
 */
public final class SharedPrefixCaches implements AutoCloseable {
    private record Entry(String backbone, ImageDataset data, PrefixCache cache) {}

    private final List<Entry> held = new ArrayList<>();
    private int built;
    private int advanced;
    private int reused;

    /** Drops the caches of every split but these (called at the start of each run). */
    synchronized void keepOnly(Set<ImageDataset> splits) {
        for (Iterator<Entry> it = held.iterator(); it.hasNext();) {
            Entry e = it.next();
            if (!splits.contains(e.data())) {
                e.cache().close();
                it.remove();
            }
        }
    }

    /** True when {@link #get} would serve {@code d} at {@code block} from what it holds (reused or carried on). */
    synchronized boolean holds(String backbone, ImageDataset d, int block) {
        return held.stream().anyMatch(e -> e.data() == d && e.backbone().equals(backbone) && e.cache().block() <= block);
    }

    /** Drops the cache of {@code d}, if one is held: its memory (or disk) is free before another is sized. */
    synchronized void release(ImageDataset d) {
        for (Iterator<Entry> it = held.iterator(); it.hasNext();) {
            Entry e = it.next();
            if (e.data() == d) {
                e.cache().close();
                it.remove();
            }
        }
    }

    /**
     * The cache of {@code d} entering {@code block} for the backbone {@code backbone} (a file's identity); the
     * work runs in sub-managers of the run's {@code parent}, on its device.
     */
    synchronized PrefixCache get(String backbone, PromptedVit model, ImageDataset d, int block, NDManager parent) {
        for (Iterator<Entry> it = held.iterator(); it.hasNext();) {
            Entry e = it.next();
            if (e.data() != d) {
                continue;
            }
            it.remove();
            if (e.backbone().equals(backbone) && e.cache().block() == block) {
                reused++;
                held.add(e);
                return e.cache();
            }
            if (e.backbone().equals(backbone) && e.cache().block() < block) {
                PrefixCache carried;
                try {
                    carried = e.cache().advance(model, block, PrefixCache.BATCH, parent);
                } catch (RuntimeException x) {
                    e.cache().close(); // half carried on: no longer the prefix of any block
                    throw x;
                }
                advanced++;
                return keep(backbone, d, carried);
            }
            e.cache().close();
        }
        built++;
        return keep(backbone, d, PrefixCache.build(model, d, block, PrefixCache.BATCH, parent));
    }

    private PrefixCache keep(String backbone, ImageDataset d, PrefixCache c) {
        held.add(new Entry(backbone, d, c));
        return c;
    }

    /** Caches built from images, carried on to a later block, and handed out again as they were. */
    public synchronized String counts() {
        return built + " built, " + advanced + " carried on, " + reused + " reused";
    }

    @Override
    public synchronized void close() {
        held.forEach(e -> e.cache().close());
        held.clear();
    }
}
