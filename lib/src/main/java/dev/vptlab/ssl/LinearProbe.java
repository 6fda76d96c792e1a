package dev.vptlab.ssl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.data.Batches;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.util.ExitGuard;
import java.nio.file.Path;
import java.util.Map;

/**
 * Linear probing of a frozen trunk: features of every image (no augmentation), then a multinomial
 * logistic regression fitted on the training features ({@link LogisticRegression}), scored by test
 * top-1. Features: the pooling the trunk file records ({@link TrunkFile#META_PROBE_POOLING}, from
 * {@link PretrainingMethod#probePooling}): the CLS token after the final norm for the supervised trunk;
 * the mean of the patch tokens followed by the final norm ({@code global_pool}) for MAE (what MAE
 * fine-tuning and the prompt-tuning papers' MAE backbones use; MAE's own {@code main_linprobe.py}
 * defaults to its CLS token) and for MoCo v3 (whose CLS token, the one its loss reads, was no better
 * than a random-init trunk's at the budget of the embedded recipe while its patch tokens were; see
 * {@link MocoV3Pretraining}). {@link #evaluate(VisionTransformer, Pooling, ImageDataset, ImageDataset)}
 * takes any pooling.
 * Reduced for small scale: a deterministic host solver ({@link LogisticRegression}) instead of SGD/LARS
 * with BatchNorm for 90 epochs.
 */
public final class LinearProbe {
    /** λ of the L2 penalty and the solver's iterations. */
    public static final double L2 = 1e-4;
    public static final int ITERATIONS = 300;

    /**
     * @param testAccuracy top-1 on the test features, 0..1
     * @param trainAccuracy top-1 on the training features
     */
    public record Result(double testAccuracy, double trainAccuracy, Pooling pooling, int trainImages, int testImages,
            double seconds) {}

    private LinearProbe() {}

    /**
     * The pooling a trunk file calls for: its {@value TrunkFile#META_PROBE_POOLING} metadata, else by its
     * {@code method} metadata (MAE: patch mean; otherwise CLS).
     */
    public static Pooling poolingFor(Path trunkFile) {
        Map<String, String> meta = Checkpoint.read(trunkFile).metadata();
        String pooling = meta.get(TrunkFile.META_PROBE_POOLING);
        if (pooling != null) {
            try {
                return Pooling.valueOf(pooling);
            } catch (IllegalArgumentException e) {
                throw new dev.vptlab.VptlabException(trunkFile + ": unknown " + TrunkFile.META_PROBE_POOLING + " '" + pooling + "'");
            }
        }
        return "mae".equals(meta.getOrDefault("method", "")) ? Pooling.MEAN_PATCHES : Pooling.CLS;
    }

    /** Loads the trunk strictly and probes it with the pooling its metadata calls for. */
    public static Result evaluate(Path trunkFile, ImageDataset train, ImageDataset test) {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = BackboneLoader.load(trunkFile, m);
            return evaluate(vit, poolingFor(trunkFile), train, test);
        }
    }

    public static Result evaluate(VisionTransformer vit, Pooling pooling, ImageDataset train, ImageDataset test) {
        long t0 = System.nanoTime();
        float[][] xtr = features(vit, pooling, train, 256);
        float[][] xte = features(vit, pooling, test, 256);
        int[] ytr = Batches.labels(train, Batches.range(0, train.size()));
        int[] yte = Batches.labels(test, Batches.range(0, test.size()));
        Result r = fit(xtr, ytr, xte, yte, train.numClasses());
        return new Result(r.testAccuracy(), r.trainAccuracy(), pooling, train.size(), test.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** Fits on (xtr, ytr) and scores on (xte, yte); the pooling of the result is null. */
    public static Result fit(float[][] xtr, int[] ytr, float[][] xte, int[] yte, int classes) {
        long t0 = System.nanoTime();
        LogisticRegression lr = LogisticRegression.fit(xtr, ytr, classes, L2, ITERATIONS);
        return new Result(lr.accuracy(xte, yte), lr.accuracy(xtr, ytr), null, xtr.length, xte.length,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The baseline a pretrained trunk must beat: a trunk freshly initialised as pretraining starts
     * ({@link WeightInit#trunk}, engine seeded with {@code seed}), probed the same way.
     */
    public static Result evaluateRandomInit(VitConfig config, long seed, Pooling pooling, ImageDataset train,
            ImageDataset test) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            VisionTransformer vit = VisionTransformer.create(config, m);
            WeightInit.trunk(vit, m);
            return evaluate(vit, pooling, train, test);
        }
    }

    /** Frozen features [N][D] of a dataset, in order, computed without autograd. */
    public static float[][] features(VisionTransformer vit, Pooling pooling, ImageDataset d, int batch) {
        if (!d.deterministic()) {
            throw new dev.vptlab.VptlabException(d.name() + " is augmented; a linear probe needs fixed images");
        }
        int n = d.size();
        int dim = vit.config().embedDim();
        float[][] out = new float[n][dim];
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager base = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(base, false);
            for (int start = 0; start < n; start += batch) {
                int count = Math.min(batch, n - start);
                try (ExitGuard.Hold exit = ExitGuard.hold();
                        NDManager step = base.newSubManager(); NDScope scope = new NDScope()) {
                    NDArray images = Batches.images(step, d, Batches.range(start, count), i -> null);
                    NDArray tokens = vit.embed(ps, images, false);
                    for (int i = 0; i < vit.depth(); i++) {
                        tokens = vit.block(ps, i, tokens, dev.vptlab.model.BlockOptions.PLAIN, false);
                    }
                    float[] f = pooling.apply(vit, ps, tokens, 0, false).toFloatArray();
                    for (int j = 0; j < count; j++) {
                        System.arraycopy(f, j * dim, out[start + j], 0, dim);
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(was);
        }
        return out;
    }
}
