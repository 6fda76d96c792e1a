package dev.vptlab.train;

import dev.vptlab.task.Task;
import dev.vptlab.task.Classification;
import dev.vptlab.task.EvalResult;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.data.Batches;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.util.Csv;
import dev.vptlab.util.ExitGuard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Evaluation passes. They never draw from the training random streams (prompt dropout and drop-path
 * are off and the transform is fixed), so how often a run evaluates does not change its training, and
 * evaluating less often than GatedPT's every epoch only saves time.
 */
public final class Evaluator {
    private Evaluator() {}

    /** Logits [n, C] row-major for every image of {@code d}, in dataset order. */
    public static float[] logits(PromptedVit model, ImageDataset d, int batchSize, PrefixCache cache, NDManager parent) {
        int classes = -1;
        float[] all = null;
        Random fixed = new Random(0);
        for (int start = 0; start < d.size(); start += batchSize) {
            int[] idx = Batches.range(start, Math.min(batchSize, d.size() - start));
            try (ExitGuard.Hold exit = ExitGuard.hold();
                    NDManager step = parent.newSubManager(); NDScope scope = new NDScope()) {
                NDArray logits = cache != null
                        ? model.forwardFrom(cache.block(), cache.batch(step, idx), false)
                        : model.forward(Batches.images(step, d, idx, i -> fixed), false);
                float[] out = logits.toFloatArray();
                if (all == null) {
                    classes = (int) logits.getShape().get(1);
                    all = new float[d.size() * classes];
                }
                System.arraycopy(out, 0, all, start * classes, out.length);
            }
        }
        return all;
    }

    /**
     * Evaluates {@code d} as split {@code split}.
     *
     * @throws NonFiniteException naming the split, the dataset and the first bad value when a logit or the loss is
     *     NaN or infinite: accuracies computed from such logits would be numbers that mean nothing
     */
    public static EvalResult evaluate(String split, PromptedVit model, ImageDataset d, int batchSize, PrefixCache cache,
            NDManager parent) {
        return evaluate(Classification.TASK, split, model, d, batchSize, cache, parent);
    }

    /** Evaluates {@code d} as split {@code split} of {@code task}. */
    public static EvalResult evaluate(Task task, String split, PromptedVit model, ImageDataset d, int batchSize,
            PrefixCache cache, NDManager parent) {
        float[] logits = logits(model, d, batchSize, cache, parent);
        String bad = FiniteChecks.logitsProblem(logits, d.numClasses());
        EvalResult r = task.evaluate(split, logits, d);
        if (bad == null && !(Double.isFinite(r.loss()) && Double.isFinite(r.top1()) && Double.isFinite(r.top5()))) {
            bad = "loss " + r.loss() + ", top-1 " + r.top1() + ", top-5 " + r.top5();
        }
        if (bad != null) {
            throw new NonFiniteException("non-finite evaluation of the " + split + " split (" + d.name() + "): " + bad);
        }
        return r;
    }

    /** Writes one CSV row per image: path, label, logit_0..logit_{C-1} (atomically). */
    public static void saveLogits(Path file, ImageDataset d, float[] logits) {
        int c = d.numClasses();
        List<String> cells = new ArrayList<>(List.of("path", "label"));
        for (int k = 0; k < c; k++) {
            cells.add("logit_" + k);
        }
        StringBuilder b = new StringBuilder(Csv.line(cells));
        for (int i = 0; i < d.size(); i++) {
            cells.clear();
            cells.add(d.path(i));
            cells.add(String.valueOf(d.label(i)));
            for (int k = 0; k < c; k++) {
                cells.add(String.valueOf(logits[i * c + k]));
            }
            b.append(Csv.line(cells));
        }
        AtomicFiles.writeString(file, b.toString());
    }
}
