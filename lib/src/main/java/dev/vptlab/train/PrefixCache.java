package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.vptlab.data.Batches;
import dev.vptlab.data.HostTensorStore;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.util.ExitGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Tokens entering block k, computed once per image (vptlab's own optimisation of the block-location study,
 * not from the paper). When prompts first enter at block k and the transform is deterministic, blocks
 * 1..k−1 see nothing trainable, so
 * their output is a fixed function of the image: each epoch then runs blocks k..L only. This is what
 * makes the 12-point block-location sweep affordable. Kept on the host in fp32, so that the cached path
 * equals the uncached one: in direct memory up to {@link #IN_MEMORY_BYTES}, beyond that (a ViT-B/16
 * cache takes 0.6 MB per image, 16 GB for SVHN's 26,032 test images) in a memory-mapped temporary file
 * under {@link #spillDirectory()}, which the page cache serves from RAM while it has room.
 */
public final class PrefixCache implements AutoCloseable {
    /** Caches up to this size live in direct memory (the JVM's default direct-memory limit is its heap size). */
    public static final long IN_MEMORY_BYTES = 2L << 30;
    /**
     * Images per batch when a trainer builds or carries on a cache: fixed, not the run's batch size, so that a
     * cache shared by runs ({@link SharedPrefixCaches}) holds the same bits whichever run made it.
     */
    public static final int BATCH = 64;
    /** Free disk kept beyond a file-backed cache. */
    static final long DISK_MARGIN_BYTES = 1L << 30;

    private final int block;
    private final HostTensorStore store;

    private PrefixCache(int block, HostTensorStore store) {
        this.block = block;
        this.store = store;
    }

    /** Bytes the cache of {@code images} images would take for a model with {@code tokens}×{@code dim} tokens. */
    public static long bytesFor(long images, long tokens, long dim) {
        return HostTensorStore.bytesFor(images, tokens, dim);
    }

    /** Where caches larger than {@link #IN_MEMORY_BYTES} go: {@code -Dvptlab.cacheDir}, else the JVM's temp folder. */
    public static Path spillDirectory() {
        return Path.of(System.getProperty("vptlab.cacheDir", System.getProperty("java.io.tmpdir")));
    }

    /** Why a cache of {@code bytes} cannot be built here, or null when it can. */
    public static String unavailable(long bytes) {
        if (bytes <= IN_MEMORY_BYTES) {
            return null;
        }
        Path dir = spillDirectory();
        try {
            Files.createDirectories(dir);
            long free = Files.getFileStore(dir).getUsableSpace();
            return free >= bytes + DISK_MARGIN_BYTES ? null : (bytes >> 20) + " MiB would not fit in the " + (free >> 20)
                    + " MiB free under " + dir + " (set -Dvptlab.cacheDir to a larger disk)";
        } catch (IOException e) {
            return "cannot use " + dir + " for a " + (bytes >> 20) + " MiB cache: " + e.getMessage();
        }
    }

    /** True when a cache of {@code bytes} is kept in a memory-mapped file rather than in direct memory. */
    public static boolean fileBacked(long bytes) {
        return bytes > IN_MEMORY_BYTES;
    }

    /**
     * Runs the frozen prefix (blocks before {@code block}, 0-based) over the whole dataset, in batches.
     */
    public static PrefixCache build(PromptedVit model, ImageDataset d, int block, int batchSize, NDManager parent) {
        if (!d.deterministic()) {
            throw new dev.vptlab.VptlabException(d.name() + ": its transform is random, so its prefix cannot be cached");
        }
        long tokens = model.backbone().config().numTokens();
        long dim = model.backbone().config().embedDim();
        HostTensorStore store = fileBacked(bytesFor(d.size(), tokens, dim))
                ? HostTensorStore.mapped(spillDirectory(), d.size(), tokens, dim) : new HostTensorStore(d.size(), tokens, dim);
        Random unused = new Random(0);
        fill(store, batchSize, parent, (step, idx) -> model.prefix(Batches.images(step, d, idx, i -> unused), block));
        return new PrefixCache(block, store);
    }

    /**
     * Carries this cache on to a later block of the same frozen prefix, in place (this object is spent): blocks
     * {@code block()}..{@code to}−1 run on the cached tokens, batch by batch as {@link #build} ran them, so the
     * result is what {@code build(…, to, …)} gives, for the cost of the missing blocks only. A block-location
     * sweep over k = 1..L so runs the trunk once per image in all.
     */
    PrefixCache advance(PromptedVit model, int to, int batchSize, NDManager parent) {
        if (to < block) {
            throw new IllegalArgumentException("cannot carry a cache at block " + block + " back to block " + to);
        }
        // Each batch reads and then overwrites its own items only.
        fill(store, batchSize, parent, (step, idx) -> model.prefixFrom(block, store.gather(step, idx), to));
        return new PrefixCache(to, store);
    }

    private static void fill(HostTensorStore store, int batchSize, NDManager parent,
            BiFunction<NDManager, int[], NDArray> tokens) {
        for (int start = 0; start < store.count(); start += batchSize) {
            int[] idx = Batches.range(start, Math.min(batchSize, store.count() - start));
            // The scope frees every intermediate of the prefix: ops on frozen parameters attach their results to
            // the parameters' manager, not to this step's, so closing the sub-manager alone would keep them all.
            try (ExitGuard.Hold exit = ExitGuard.hold();
                    NDManager step = parent.newSubManager(); NDScope scope = new NDScope()) {
                store.putAll(start, tokens.apply(step, idx).toFloatArray());
            }
        }
    }

    /** 0-based index of the block these tokens enter. */
    public int block() {
        return block;
    }

    /** Cached tokens of the given images, [B, N, D], on {@code m}. */
    public NDArray batch(NDManager m, int[] indices) {
        return store.gather(m, indices);
    }

    @Override
    public void close() {
        store.close();
    }
}
