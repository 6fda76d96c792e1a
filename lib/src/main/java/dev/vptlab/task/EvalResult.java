package dev.vptlab.task;

import dev.vptlab.VptlabException;

/**
 * One evaluation of one split, with the figures both papers' code logs (GatedPT's {@code compute_acc_auc}:
 * top-1, and top-5 or ROC-AUC; CVPT's {@code train.py}: top-1).
 * Accuracies and AUC are percentages (see {@link Metrics}); the loss is mean cross-entropy in nats.
 *
 * @param split "val", "test", ...
 * @param n number of samples evaluated
 * @param loss mean cross-entropy
 * @param top1 top-1 accuracy (arg-max, lowest index on ties)
 * @param top5 top-min(5, C) accuracy
 * @param auc ROC-AUC of class 1 when C = 2, otherwise NaN; also NaN when C = 2 but the split lacks one class
 * @param miou segmentation only (NaN otherwise): mean IoU in percent over the classes present in prediction or label,
 *     intersections and unions summed over the whole split (mmsegmentation's {@code mean_iou})
 * @param aacc segmentation only (NaN otherwise): pixel accuracy in percent over the labelled pixels (mmseg's aAcc)
 */
public record EvalResult(String split, int n, double loss, double top1, double top5, double auc, double miou, double aacc) {
    /** A classification result (no segmentation figures). */
    public EvalResult(String split, int n, double loss, double top1, double top5, double auc) {
        this(split, n, loss, top1, top5, auc, Double.NaN, Double.NaN);
    }

    /** A segmentation result: mIoU and aAcc in percent; the classification figures are NaN. */
    public static EvalResult segmentation(String split, int n, double miou, double aacc) {
        return new EvalResult(split, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN, miou, aacc);
    }

    /** True for a segmentation result. */
    public boolean isSegmentation() {
        return !Double.isNaN(miou);
    }

    public EvalResult {
        if (split == null || split.isBlank()) {
            throw new VptlabException("an evaluation needs a split name");
        }
        if (n < 0) {
            throw new VptlabException("evaluation of '" + split + "' has negative size " + n);
        }
    }

    /**
     * Evaluates row-major {@code [n, C]} logits. For C = 2 the AUC score is {@code logit1 - logit0}, which
     * orders samples exactly as the softmax probability of class 1 does. A binary split holding a single class
     * gets AUC NaN rather than an exception, so that a small validation split cannot stop a run.
     */
    public static EvalResult of(String split, float[] logits, int numClasses, int[] labels) {
        int n = Metrics.checkShape(logits, numClasses, labels);
        double auc = Double.NaN;
        if (numClasses == 2) {
            boolean hasZero = false;
            boolean hasOne = false;
            float[] scores = new float[n];
            for (int i = 0; i < n; i++) {
                scores[i] = logits[2 * i + 1] - logits[2 * i];
                hasZero |= labels[i] == 0;
                hasOne |= labels[i] == 1;
            }
            boolean finite = true;
            for (float s : scores) {
                finite &= !Float.isNaN(s);
            }
            if (hasZero && hasOne && finite) {
                auc = Metrics.rocAuc(scores, labels);
            }
        }
        return new EvalResult(split, n, Metrics.crossEntropy(logits, numClasses, labels),
                Metrics.top1(logits, numClasses, labels), Metrics.topK(logits, numClasses, labels, 5), auc);
    }
}
