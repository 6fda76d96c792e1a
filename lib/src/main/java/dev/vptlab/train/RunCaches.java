package dev.vptlab.train;

import dev.vptlab.data.Splits;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.PromptedVit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which frozen-prefix caches a run uses: none when the method trains from block 0 or the config says so; for
 * the splits it evaluates, built here or taken from the caches a series of runs shares; none for a split whose
 * cache would not fit (the uncached path computes the same, only slower).
 */
final class RunCaches {
    private final RunConfig cfg;
    private final Splits data;
    private final SharedPrefixCaches shared;
    private final Progress progress;

    RunCaches(RunConfig cfg, Splits data, SharedPrefixCaches shared, Progress progress) {
        this.cfg = cfg;
        this.data = data;
        this.shared = shared;
        this.progress = progress;
    }

    /** The frozen-prefix caches of the splits, when the method and the transforms allow them. */
    record Caches(PrefixCache train, PrefixCache val, PrefixCache test, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (!owned) {
                return; // the shared caches outlive the run
            }
            for (PrefixCache c : new PrefixCache[] {train, val, test}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    Caches build(PromptedVit model, NDManager base) {
        int k = model.method().firstTrainableBlock();
        if (!cfg.prefixCache() || k == 0) {
            if (shared != null) {
                shared.keepOnly(Set.of()); // a run without caches ends the series' use of the earlier ones
            }
            return new Caches(null, null, null, true);
        }
        // Only splits this run will evaluate are worth their cache.
        ImageDataset val = cfg.valEvery() > 0 ? data.val() : null;
        ImageDataset test = cfg.testEvery() > 0 ? data.test() : null;
        if (shared != null) {
            shared.keepOnly(Stream.of(data.train(), val, test).filter(Objects::nonNull).collect(Collectors.toSet()));
        }
        PrefixCache[] built = new PrefixCache[3];
        ImageDataset[] splits = {data.train(), val, test};
        try {
            for (int i = 0; i < 3; i++) {
                built[i] = cache(model, splits[i], k, base);
            }
        } catch (RuntimeException e) {
            new Caches(built[0], built[1], built[2], shared == null).close(); // those of its own that were made
            throw e;
        }
        return new Caches(built[0], built[1], built[2], shared == null);
    }

    private PrefixCache cache(PromptedVit model, ImageDataset d, int k, NDManager base) {
        if (d == null || !d.deterministic()) {
            return null;
        }
        String backbone = shared == null ? null : backboneIdentity();
        if (shared != null && shared.holds(backbone, d, k)) {
            return shared.get(backbone, model, d, k, base); // reused or carried on: no new memory
        }
        if (shared != null) {
            shared.release(d); // a stale cache of this split still holds memory or disk that the check below counts
        }
        VitConfig vc = model.backbone().config();
        long bytes = PrefixCache.bytesFor(d.size(), vc.numTokens(), vc.embedDim());
        String unavailable = PrefixCache.unavailable(bytes);
        if (unavailable != null) {
            // The uncached path computes the same thing, only slower.
            progress.message("not caching the prefix of " + d.name() + ": " + unavailable);
            return null;
        }
        if (PrefixCache.fileBacked(bytes)) {
            progress.message("caching the prefix of " + d.name() + " (" + (bytes >> 20) + " MiB) in a memory-mapped file under "
                    + PrefixCache.spillDirectory());
        }
        return shared != null ? shared.get(backbone, model, d, k, base) : PrefixCache.build(model, d, k, PrefixCache.BATCH, base);
    }

    /** The backbone file as the shared caches know it: a changed file is another backbone. */
    private String backboneIdentity() {
        Path p = Path.of(cfg.backbone()).toAbsolutePath().normalize();
        try {
            return p + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis() + "|" + cfg.heads();
        } catch (IOException e) {
            throw new VptlabException(p + ": cannot read the backbone file (" + e.getMessage() + ")", e);
        }
    }

}
