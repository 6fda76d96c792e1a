package dev.vptlab.train;

import dev.vptlab.task.Metrics;
import dev.vptlab.task.EvalResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final double EPS = 1e-9;

    // C = 3; rows chosen to separate the arg-max rule from the strictly-larger rule.
    private static final float[] LOGITS3 = {
        2, 1, 0, // label 0: clear winner
        1, 1, 0, // label 1: tied with class 0; arg-max picks 0
        0, 3, 3, // label 2: tied with class 1; arg-max picks 1
        5, 1, 2, // label 1: last place
    };
    private static final int[] LABELS3 = {0, 1, 2, 1};

    @Test
    void top1UsesArgMaxWithLowestIndexOnTies() {
        assertEquals(25.0, Metrics.top1(LOGITS3, 3, LABELS3), EPS);
    }

    @Test
    void topKCountsStrictlyLargerClasses() {
        assertEquals(75.0, Metrics.topK(LOGITS3, 3, LABELS3, 1), EPS); // ties count as in
        assertEquals(75.0, Metrics.topK(LOGITS3, 3, LABELS3, 2), EPS); // row 3 has 2 larger
        assertEquals(100.0, Metrics.topK(LOGITS3, 3, LABELS3, 5), EPS); // k clipped to C = 3
    }

    @Test
    void top5WithTiesOnSevenClasses() {
        float[] logits = {
            0, 1, 2, 3, 4, 5, 6, // label 2: 4 larger -> in
            0, 1, 2, 3, 4, 5, 6, // label 1: 5 larger -> out
            1, 1, 1, 1, 1, 1, 1, // label 6: none larger -> in
            2, 2, 2, 2, 2, 1, 1, // label 5: 5 larger -> out
        };
        int[] labels = {2, 1, 6, 5};
        assertEquals(50.0, Metrics.topK(logits, 7, labels, 5), EPS);
        assertEquals(0.0, Metrics.top1(logits, 7, labels), EPS); // row 3 arg-max is class 0
    }

    @Test
    void nanLabelLogitIsWrong() {
        float[] logits = {Float.NaN, 0, 1, Float.NaN};
        int[] labels = {0, 0}; // row 0: NaN label logit; row 1: the NaN rival never wins
        assertEquals(50.0, Metrics.topK(logits, 2, labels, 1), EPS);
        assertEquals(50.0, Metrics.top1(logits, 2, labels), EPS);
    }

    @Test
    void shapeErrorsAreReported() {
        assertThrows(VptlabException.class, () -> Metrics.top1(new float[5], 3, new int[1]));
        assertThrows(VptlabException.class, () -> Metrics.top1(new float[6], 3, new int[3]));
        assertThrows(VptlabException.class, () -> Metrics.top1(new float[6], 3, new int[] {0, 3}));
        assertThrows(VptlabException.class, () -> Metrics.topK(new float[6], 3, new int[2], 0));
        assertThrows(VptlabException.class, () -> Metrics.top1(new float[0], 3, new int[0]));
    }

    @Test
    void aucHandExampleWithTies() {
        // positives {0.35, 0.8, 0.4}, negatives {0.1, 0.4}:
        // 0.35 beats 0.1 (1), loses to 0.4 (0); 0.8 beats both (2); 0.4 beats 0.1 (1), ties 0.4 (0.5) -> 4.5 / 6
        float[] scores = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f};
        int[] labels = {0, 0, 1, 1, 1};
        assertEquals(75.0, Metrics.rocAuc(scores, labels), EPS);
        // the classic four-point example: 3 of 4 pairs ordered
        assertEquals(75.0, Metrics.rocAuc(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new int[] {0, 0, 1, 1}), EPS);
        // all tied: one half
        assertEquals(50.0, Metrics.rocAuc(new float[] {1, 1, 1}, new int[] {0, 1, 1}), EPS);
        // perfect and reversed
        assertEquals(100.0, Metrics.rocAuc(new float[] {0, 1}, new int[] {0, 1}), EPS);
        assertEquals(0.0, Metrics.rocAuc(new float[] {1, 0}, new int[] {0, 1}), EPS);
    }

    @Test
    void aucNeedsBothClasses() {
        VptlabException e = assertThrows(VptlabException.class,
                () -> Metrics.rocAuc(new float[] {0.2f, 0.3f}, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("0 negatives"), e.getMessage());
        assertThrows(VptlabException.class, () -> Metrics.rocAuc(new float[] {0.2f, 0.3f}, new int[] {0, 2}));
        assertThrows(VptlabException.class, () -> Metrics.rocAuc(new float[] {0.2f}, new int[] {0, 1}));
    }

    @Test
    void aucMatchesBruteForcePairCounting() {
        Random rng = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            int n = 2 + rng.nextInt(300);
            float[] scores = new float[n];
            int[] labels = new int[n];
            // coarse scores so that ties are frequent on some trials
            int levels = trial % 2 == 0 ? 5 : 100_000;
            for (int i = 0; i < n; i++) {
                scores[i] = rng.nextInt(levels) / (float) levels;
                labels[i] = rng.nextInt(2);
            }
            labels[0] = 0;
            labels[1] = 1;
            double pairs = 0;
            double wins = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (labels[i] == 1 && labels[j] == 0) {
                        pairs++;
                        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    }
                }
            }
            assertEquals(100.0 * wins / pairs, Metrics.rocAuc(scores, labels), 1e-9, "trial " + trial);
        }
    }

    @Test
    void crossEntropyMatchesDirectFormula() {
        Random rng = new Random(11);
        int n = 17;
        int c = 6;
        float[] logits = new float[n * c];
        int[] labels = new int[n];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rng.nextGaussian() * 3);
        }
        double expected = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(c);
            double sum = 0;
            for (int k = 0; k < c; k++) {
                sum += Math.exp(logits[i * c + k]);
            }
            expected += -Math.log(Math.exp(logits[i * c + labels[i]]) / sum);
        }
        assertEquals(expected / n, Metrics.crossEntropy(logits, c, labels), 1e-12);
    }

    @Test
    void crossEntropyIsStableForLargeLogits() {
        // direct exp(1000) overflows; the exact value is 1 + log(1 + e^-1)
        double loss = Metrics.crossEntropy(new float[] {1000, 1001}, 2, new int[] {0});
        assertEquals(1 + Math.log1p(Math.exp(-1)), loss, 1e-12);
        assertEquals(Math.log(3), Metrics.crossEntropy(new float[] {-1e4f, -1e4f, -1e4f}, 3, new int[] {2}), 1e-12);
    }

    @Test
    void evalResultComputesAucOnlyForTwoClasses() {
        float[] binary = {0, 1, 1, 0, 0, 2, 3, 0}; // scores logit1 - logit0 = 1, -1, 2, -3
        EvalResult r = EvalResult.of("test", binary, 2, new int[] {1, 0, 1, 0});
        assertEquals(4, r.n());
        assertEquals(100.0, r.top1(), EPS);
        assertEquals(100.0, r.top5(), EPS); // top-min(5, 2)
        assertEquals(100.0, r.auc(), EPS);
        assertTrue(Double.isNaN(EvalResult.of("val", binary, 2, new int[] {1, 1, 1, 1}).auc()));
        EvalResult multi = EvalResult.of("val", LOGITS3, 3, LABELS3);
        assertTrue(Double.isNaN(multi.auc()));
        assertEquals(25.0, multi.top1(), EPS);
        assertEquals(100.0, multi.top5(), EPS);
        assertEquals(Metrics.crossEntropy(LOGITS3, 3, LABELS3), multi.loss(), 0);
    }
}
