package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.data.Batches;
import dev.vptlab.data.HostTensorStore;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import java.nio.FloatBuffer;
import java.util.Random;

/**
 * Tokens entering block k, computed once per image (spec vpt-and-block-location.md §9.5). When prompts
 * first enter at block k and the transform is deterministic, blocks 1..k−1 see nothing trainable, so
 * their output is a fixed function of the image: each epoch then runs blocks k..L only. This is what
 * makes the 12-point block-location sweep affordable. Kept on the host (fp32).
 */
public final class PrefixCache {
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

    /**
     * Runs the frozen prefix (blocks before {@code block}, 0-based) over the whole dataset, in batches.
     */
    public static PrefixCache build(PromptedVit model, ImageDataset d, int block, int batchSize, NDManager parent) {
        if (!d.deterministic()) {
            throw new dev.vptlab.VptlabException(d.name() + ": its transform is random, so its prefix cannot be cached");
        }
        long tokens = model.backbone().config().numTokens();
        long dim = model.backbone().config().embedDim();
        HostTensorStore store = new HostTensorStore(d.size(), tokens, dim);
        Random unused = new Random(0);
        for (int start = 0; start < d.size(); start += batchSize) {
            int[] idx = Batches.range(start, Math.min(batchSize, d.size() - start));
            // The scope frees every intermediate of the prefix: ops on frozen parameters attach their results to
            // the parameters' manager, not to this step's, so closing the sub-manager alone would keep them all.
            try (NDManager step = parent.newSubManager(); NDScope scope = new NDScope()) {
                NDArray x = Batches.images(step, d, idx, i -> unused);
                store.putAll(start, model.prefix(x, block).toFloatArray());
            }
        }
        return new PrefixCache(block, store);
    }

    /** 0-based index of the block these tokens enter. */
    public int block() {
        return block;
    }

    /** Cached tokens of the given images, [B, N, D], on {@code m}. */
    public NDArray batch(NDManager m, int[] indices) {
        return store.gather(m, indices);
    }
}
