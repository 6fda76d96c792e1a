package dev.vptlab.task;

import dev.vptlab.VptlabException;
import java.util.Arrays;

/**
 * Classification metrics on host arrays, computed exactly in double precision.
 *
 * <p>Every accuracy and the ROC-AUC are returned as <b>percentages in [0, 100]</b>, the scale both papers
 * publish in their tables, so that a figure read from a run record can be compared with a table without
 * rescaling. The loss is in nats.
 *
 * <p>Logits are row-major {@code [n, C]}: row {@code i} holds {@code logits[i * C .. i * C + C - 1]}.
 */
public final class Metrics {
    private Metrics() {}

    /**
     * Top-1 accuracy in percent: a sample is correct when its label is the arg-max of its row.
     *
     * <p>Ties go to the <b>lowest class index</b>, the rule of {@code np.argmax}/{@code torch.argmax} that the
     * upstream code uses (GatedPT: {@code accuracy} in {@code src/engine/eval/singlelabel.py}). This deliberately
     * differs from {@link #topK} with {@code k = 1} on exact ties: with a zero-initialised head every logit is equal, and the
     * arg-max rule then scores the frequency of class 0 rather than a spurious 100 %. A NaN logit never wins the arg-max.
     */
    public static double top1(float[] logits, int numClasses, int[] labels) {
        int n = checkShape(logits, numClasses, labels);
        long correct = 0;
        for (int i = 0; i < n; i++) {
            int base = i * numClasses;
            int best = -1;
            float bestValue = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                float v = logits[base + c];
                if (!Float.isNaN(v) && (best < 0 || v > bestValue)) {
                    best = c;
                    bestValue = v;
                }
            }
            if (best == labels[i]) {
                correct++;
            }
        }
        return 100.0 * correct / n;
    }

    /**
     * Top-k accuracy in percent, {@code k} clipped to {@code numClasses} (so {@code topK(.., 5)} is the
     * top-min(5, C) figure GatedPT logs: {@code compute_acc_auc} in {@code src/engine/eval/singlelabel.py}).
     *
     * <p>Ties: a sample counts as correct when <b>fewer than k classes have a strictly larger logit</b> than the
     * label's. This is independent of class order and of any sort's stability, but it is optimistic on ties: a row
     * of equal logits counts as correct for every k. A NaN label logit is always wrong; other NaN logits are never
     * "larger".
     */
    public static double topK(float[] logits, int numClasses, int[] labels, int k) {
        int n = checkShape(logits, numClasses, labels);
        if (k < 1) {
            throw new VptlabException("top-k needs k >= 1, got " + k);
        }
        int kk = Math.min(k, numClasses);
        long correct = 0;
        for (int i = 0; i < n; i++) {
            int base = i * numClasses;
            float target = logits[base + labels[i]];
            if (Float.isNaN(target)) {
                continue;
            }
            int larger = 0;
            for (int c = 0; c < numClasses && larger < kk; c++) {
                if (logits[base + c] > target) {
                    larger++;
                }
            }
            if (larger < kk) {
                correct++;
            }
        }
        return 100.0 * correct / n;
    }

    /**
     * Binary ROC-AUC in percent, exact: the Mann–Whitney statistic from ranks, with tied scores given their
     * average rank (so a tied positive/negative pair counts one half, as in scikit-learn's {@code roc_auc_score}).
     * Used when C = 2, where GatedPT logs ROC-AUC instead of top-5 ({@code compute_acc_auc}).
     *
     * @param positiveScores any score monotone in the probability of class 1 (e.g. {@code logit1 - logit0})
     * @param labels01 0 or 1 per sample
     * @throws VptlabException when the lengths differ, a label is not 0/1, a score is NaN, or either class is absent
     *     (the AUC is undefined then)
     */
    public static double rocAuc(float[] positiveScores, int[] labels01) {
        int n = positiveScores.length;
        if (labels01.length != n) {
            throw new VptlabException("ROC-AUC: " + n + " scores but " + labels01.length + " labels");
        }
        long positives = 0;
        for (int i = 0; i < n; i++) {
            if (labels01[i] != 0 && labels01[i] != 1) {
                throw new VptlabException("ROC-AUC: label " + labels01[i] + " at index " + i + " is not 0 or 1");
            }
            if (Float.isNaN(positiveScores[i])) {
                throw new VptlabException("ROC-AUC: score at index " + i + " is NaN");
            }
            positives += labels01[i];
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            throw new VptlabException("ROC-AUC is undefined: the labels contain " + positives + " positives and "
                    + negatives + " negatives; both classes must be present");
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(positiveScores[a], positiveScores[b]));
        // Sum of the (1-based, tie-averaged) ranks of the positives.
        double positiveRankSum = 0;
        int start = 0;
        while (start < n) {
            int end = start;
            // Float.compare would split -0.0 from 0.0; equal scores are one tie group.
            while (end + 1 < n && positiveScores[order[end + 1]] == positiveScores[order[start]]) {
                end++;
            }
            double averageRank = (start + end) / 2.0 + 1.0;
            for (int j = start; j <= end; j++) {
                positiveRankSum += labels01[order[j]] * averageRank;
            }
            start = end + 1;
        }
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return 100.0 * u / ((double) positives * negatives);
    }

    /**
     * Mean softmax cross-entropy in nats, computed per row as {@code logsumexp(row) - row[label]} in double with
     * the row maximum subtracted first, so large logits neither overflow nor lose the small differences.
     * A NaN logit makes the result NaN (a diverged run should show it, not hide it).
     */
    public static double crossEntropy(float[] logits, int numClasses, int[] labels) {
        int n = checkShape(logits, numClasses, labels);
        double total = 0;
        for (int i = 0; i < n; i++) {
            int base = i * numClasses;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                max = Math.max(max, logits[base + c]);
            }
            double logSumExp;
            if (Double.isInfinite(max)) {
                logSumExp = max; // all -inf, or a +inf logit: the shifted sum would be NaN
            } else {
                double sum = 0;
                for (int c = 0; c < numClasses; c++) {
                    sum += Math.exp(logits[base + c] - max);
                }
                logSumExp = max + Math.log(sum);
            }
            total += logSumExp - logits[base + labels[i]];
        }
        return total / n;
    }

    /** Validates {@code [n, C]} logits against labels and returns n. */
    static int checkShape(float[] logits, int numClasses, int[] labels) {
        if (numClasses < 1) {
            throw new VptlabException("number of classes must be at least 1, got " + numClasses);
        }
        if (logits.length % numClasses != 0) {
            throw new VptlabException(logits.length + " logits do not form rows of " + numClasses + " classes");
        }
        int n = logits.length / numClasses;
        if (labels.length != n) {
            throw new VptlabException(n + " rows of logits but " + labels.length + " labels");
        }
        if (n == 0) {
            throw new VptlabException("no samples to evaluate");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new VptlabException("label " + labels[i] + " at index " + i + " is out of range [0, "
                        + numClasses + ")");
            }
        }
        return n;
    }
}
