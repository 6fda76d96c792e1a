package dev.vptlab.notebook;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegEvaluator;
import dev.vptlab.seg.SegModel;
import dev.vptlab.seg.SegTasks;
import dev.vptlab.seg.SegTrainer;
import dev.vptlab.train.RunRecord;
import java.nio.file.Path;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * What a trained CVPT model's cross-attention does in each block (Huang et al. §3; official code {@code CVPT.py},
 * {@code CrossAttention.forward}), measured on the patch tokens of evaluation forwards:
 * <ul>
 *   <li>the entropy of each token's attention over the M prompts, divided by log M, averaged over images, heads and
 *       patch tokens: 1 when every token weighs the prompts equally, 0 when each picks one;
 *   <li>the largest of those weights, averaged the same way (1/M when uniform);
 *   <li>the spatial share of the cross-attention's output: {@code sqrt(Σ|o − ō|² / Σ|o|²)} over the patch tokens, ō
 *       each image's mean over its patches; 0 when every patch receives the same vector.
 * </ul>
 * The softmax runs over the prompts only, so when the prompts' keys barely differ the attention is nearly uniform, and
 * the cross-attention adds about {@code W_o(mean_j W_v p_j + b_v) + b_o} to every token: a learned bias per block, the
 * form it has exactly with one prompt, where the softmax is identically 1 (the official v2 config of
 * {@code patch_camelyon} uses M = 1).
 *
 * @param prompts M, prompts per block
 * @param images images the statistics are over
 * @param entropy per block (0-based index), entropy / log M (NaN when M = 1)
 * @param largestWeight per block, mean largest attention weight
 * @param spatialShare per block, the share of the output that varies across patches
 */
public record CrossAttentionAnalysis(int prompts, int images, double[] entropy, double[] largestWeight,
        double[] spatialShare) {

    /**
     * The first {@code images} evaluation images (test split) of a finished CVPT run, segmentation or classification,
     * through its trained model; a classification task's data is looked for under {@code data} (the mini tasks need
     * none).
     */
    public static CrossAttentionAnalysis of(Path runDir, int images) {
        java.util.Map<String, Object> config = RunRecord.read(runDir).config();
        if (!SegConfig.isSegmentation(config)) {
            return classification(runDir, dev.vptlab.train.RunConfig.fromMap(config), images);
        }
        SegConfig cfg = SegConfig.fromMap(config).with(b -> b.testLimit = images);
        if (!(cfg.method() instanceof CrossVisualPrompts.Config c)) {
            throw new VptlabException(runDir + ": not a CVPT run (method " + cfg.methodId() + ")");
        }
        SegTasks.Splits s = SegTasks.open(cfg, cfg.data() == null ? null : Path.of(cfg.data()));
        try (NDManager m = NDManager.newBaseManager()) {
            SegModel model = SegModel.build(cfg, s.test().channels(), m);
            model.load(runDir.resolve(SegTrainer.TRAINABLE_FILE));
            return watched(model.prompted(), c, s.test().size(),
                    () -> SegEvaluator.evaluate(model, s.test(), cfg.crop(), cfg.stride(), false, cfg.batchSize(), m, null));
        }
    }

    private static CrossAttentionAnalysis classification(Path runDir, dev.vptlab.train.RunConfig cfg, int images) {
        if (!(cfg.method() instanceof CrossVisualPrompts.Config c)) {
            throw new VptlabException(runDir + ": not a CVPT run (method " + cfg.method().id() + ")");
        }
        int[] shape = dev.vptlab.train.RunModels.inputShape(cfg);
        dev.vptlab.data.ImageDataset test = dev.vptlab.data.FirstImages.of(
                dev.vptlab.train.RunSplits.open(cfg, Path.of("data"), shape[1], shape[0]).test(), images);
        try (NDManager m = NDManager.newBaseManager()) {
            dev.vptlab.prompt.PromptedVit model = dev.vptlab.train.RunModels.build(cfg, test.imageShape(), m);
            dev.vptlab.train.RunModels.loadTrained(model, runDir.resolve(dev.vptlab.train.Trainer.TRAINABLE_FILE));
            return watched(model, c, test.size(), () -> dev.vptlab.train.Evaluator.logits(model, test, cfg.batchSize(), null, m));
        }
    }

    /** The statistics of the cross-attention of {@code model} during {@code forwards}, its evaluation forwards. */
    private static CrossAttentionAnalysis watched(dev.vptlab.prompt.PromptedVit model, CrossVisualPrompts.Config c,
            int images, Runnable forwards) {
        CrossVisualPrompts cvpt = (CrossVisualPrompts) model.method();
        Accumulator acc = new Accumulator(model.backbone().config().depth());
        cvpt.watch(acc);
        try {
            forwards.run();
        } finally {
            cvpt.watch(null);
        }
        return acc.result(c.prompts(), images);
    }

    /** One row per block (1-based, as the papers number blocks). */
    public Table table(String name) {
        Table t = Table.create(name);
        IntColumn block = IntColumn.create("block");
        for (int i = 0; i < entropy.length; i++) {
            block.append(i + 1);
        }
        return t.addColumns(block, DoubleColumn.create("entropy / log M", entropy),
                DoubleColumn.create("largest weight", largestWeight), DoubleColumn.create("spatial share", spatialShare));
    }

    /**
     * Sums the statistics over the forwards it watches ({@link CrossVisualPrompts#watch}); each call reduces its arrays
     * to a few numbers at once, so nothing outlives the forward.
     */
    public static final class Accumulator implements CrossVisualPrompts.Probe {
        private final double[] entropySum;
        private final double[] largestSum;
        private final long[] rows;
        private final double[] deviationSq;
        private final double[] totalSq;

        public Accumulator(int depth) {
            entropySum = new double[depth];
            largestSum = new double[depth];
            rows = new long[depth];
            deviationSq = new double[depth];
            totalSq = new double[depth];
        }

        @Override
        public void saw(int block, NDArray weights, NDArray output) {
            NDArray p = weights.get(":, :, 1:, :"); // patch tokens: the taps drop CLS
            long[] s = p.getShape().getShape();
            if (s[3] > 1) {
                entropySum[block] += p.mul(p.clip(1e-30f, 1f).log()).sum().neg().getFloat() / Math.log(s[3]);
            }
            largestSum[block] += p.max(new int[] {-1}).sum().getFloat();
            rows[block] += s[0] * s[1] * s[2];
            NDArray o = output.get(":, 1:, :");
            deviationSq[block] += o.sub(o.mean(new int[] {1}, true)).square().sum().getFloat();
            totalSq[block] += o.square().sum().getFloat();
        }

        /** The statistics so far; {@code images} is recorded as given. */
        public CrossAttentionAnalysis result(int prompts, int images) {
            int depth = rows.length;
            double[] e = new double[depth];
            double[] l = new double[depth];
            double[] sp = new double[depth];
            for (int i = 0; i < depth; i++) {
                e[i] = prompts > 1 && rows[i] > 0 ? entropySum[i] / rows[i] : Double.NaN;
                l[i] = rows[i] > 0 ? largestSum[i] / rows[i] : Double.NaN;
                sp[i] = totalSq[i] > 0 ? Math.sqrt(deviationSq[i] / totalSq[i]) : Double.NaN;
            }
            return new CrossAttentionAnalysis(prompts, images, e, l, sp);
        }
    }
}
