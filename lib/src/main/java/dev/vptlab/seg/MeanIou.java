package dev.vptlab.seg;

/**
 * Accumulated intersection and union per class, as mmsegmentation v0.15.0's {@code intersect_and_union} (per
 * image) and {@code total_intersect_and_union} (summed over images) compute them, with {@code ignore_index=255}:
 * pixels labelled 255 are dropped; I_c = #(pred = label = c), U_c = #(pred = c) + #(label = c) − I_c. mIoU is
 * the mean of I_c / U_c over the classes with U_c &gt; 0 (numpy's {@code nanmean}); aAcc = Σ I / #labelled pixels.
 * Counts are kept exactly (as longs) and reported as doubles, mmseg's float64 sums.
 */
public final class MeanIou {
    private final int classes;
    private final long[] intersection;
    private final long[] predicted;
    private final long[] labelled;

    /** @param classes number of classes; the ignore label is {@link PixelLoss#IGNORE} (255) */
    public MeanIou(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("number of classes " + classes + " must be at least 1");
        }
        this.classes = classes;
        intersection = new long[classes];
        predicted = new long[classes];
        labelled = new long[classes];
    }

    public int classes() {
        return classes;
    }

    /**
     * Adds one image. A prediction outside 0..classes−1 counts for no class (as {@code torch.histc} over
     * [0, classes − 1] drops it) but still is a labelled pixel that is wrong.
     *
     * @param prediction predicted class per pixel
     * @param label true class per pixel, 0..classes−1 or 255
     * @throws IllegalArgumentException on different lengths or a label that is neither a class nor 255
     */
    public void add(int[] prediction, int[] label) {
        if (prediction.length != label.length) {
            throw new IllegalArgumentException("prediction has " + prediction.length + " pixels, label " + label.length);
        }
        for (int y : label) {
            if (y != PixelLoss.IGNORE && (y < 0 || y >= classes)) {
                throw new IllegalArgumentException("label " + y + " is neither a class in 0.." + (classes - 1) + " nor "
                        + PixelLoss.IGNORE);
            }
        }
        for (int i = 0; i < label.length; i++) {
            int y = label[i];
            if (y == PixelLoss.IGNORE) {
                continue;
            }
            int p = prediction[i];
            labelled[y]++;
            if (p >= 0 && p < classes) {
                predicted[p]++;
                if (p == y) {
                    intersection[y]++;
                }
            }
        }
    }

    /** Adds another accumulator's counts (e.g. one per worker). */
    public void addAll(MeanIou other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("class counts differ: " + classes + " vs " + other.classes);
        }
        for (int c = 0; c < classes; c++) {
            intersection[c] += other.intersection[c];
            predicted[c] += other.predicted[c];
            labelled[c] += other.labelled[c];
        }
    }

    public double[] intersection() {
        return toDouble(intersection);
    }

    public double[] union() {
        double[] u = new double[classes];
        for (int c = 0; c < classes; c++) {
            u[c] = predicted[c] + labelled[c] - intersection[c];
        }
        return u;
    }

    /** Labelled pixels per class ({@code total_area_label}). */
    public double[] areaLabel() {
        return toDouble(labelled);
    }

    /** Predicted pixels per class among the labelled ones ({@code total_area_pred_label}). */
    public double[] areaPrediction() {
        return toDouble(predicted);
    }

    /** I_c / U_c per class; NaN where U_c = 0. */
    public double[] iou() {
        double[] u = union();
        double[] r = new double[classes];
        for (int c = 0; c < classes; c++) {
            r[c] = u[c] == 0 ? Double.NaN : intersection[c] / u[c];
        }
        return r;
    }

    /** Mean IoU over the classes with a non-zero union, as a fraction (×100 for display); NaN if there is none. */
    public double miou() {
        double sum = 0;
        int n = 0;
        for (double v : iou()) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Pixel accuracy over labelled pixels, Σ I / Σ labelled; NaN before any labelled pixel. */
    public double aAcc() {
        long i = 0;
        long l = 0;
        for (int c = 0; c < classes; c++) {
            i += intersection[c];
            l += labelled[c];
        }
        return l == 0 ? Double.NaN : (double) i / l;
    }

    private static double[] toDouble(long[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }
}
