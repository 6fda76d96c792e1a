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
 */
public record EvalResult(String split, int n, double loss, double top1, double top5, double auc) {
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
