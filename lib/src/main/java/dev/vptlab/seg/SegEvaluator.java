package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.VptlabException;
import dev.vptlab.data.SegSample;
import dev.vptlab.util.ExitGuard;
import java.util.List;

/**
 * Scores a model on a whole split as mmseg's {@code single_gpu_test} + {@code mean_iou} do: each image is resized to
 * the test scale (ratio 1, or mmseg's six ratios with and without flip for multi-scale), run in
 * {@link SlideInference} windows, the averaged logits resized bilinearly back to the original size, softmax-ed and
 * un-flipped; multi-scale averages the probabilities of its 12 views; the arg-max is scored against the original-size
 * annotation ({@link MeanIou}, summed over the split).
 */
public final class SegEvaluator {
    /** mmseg's multi-scale ratios ({@code img_ratios} of the ADE20K test pipeline's {@code aug_test} variant). */
    public static final List<Double> MS_RATIOS = List.of(0.5, 0.75, 1.0, 1.25, 1.5, 1.75);

    /** Receives each image's prediction (row-major, original size) as it is made, e.g. to write it as a PNG. */
    @FunctionalInterface
    public interface Predictions {
        void accept(int index, int height, int width, int[] prediction);
    }

    private SegEvaluator() {}

    /**
     * @param batch images per forward where an image is exactly one window at ratio 1 (the mini task); other images
     *     run one by one
     * @param sink null, or where each prediction goes
     */
    public static MeanIou evaluate(SegModel model, SegData data, int crop, int stride, boolean multiScale, int batch,
            NDManager base, Predictions sink) {
        MeanIou iou = new MeanIou(data.classes());
        int n = data.size();
        if (n == 0) {
            throw new VptlabException(data.name() + ": empty evaluation split");
        }
        int i = 0;
        while (i < n) {
            if (!multiScale && oneWindow(data, i, crop)) {
                int j = i;
                while (j < n && j - i < batch && oneWindow(data, j, crop)) {
                    j++;
                }
                batched(model, data, i, j, crop, base, iou, sink);
                i = j;
            } else {
                single(model, data, i, crop, stride, multiScale, base, iou, sink);
                i++;
            }
        }
        return iou;
    }

    private static boolean oneWindow(SegData data, int i, int crop) {
        return data.fixedSide() == crop;
    }

    /** Images that are one window at their own size: logits need no slide, no resize; the arg-max of a batch at once. */
    private static void batched(SegModel model, SegData data, int from, int to, int crop, NDManager base, MeanIou iou,
            Predictions sink) {
        // The scope frees what the forward attaches to the parameters' manager, not only the sub-manager's arrays.
        try (ExitGuard.Hold exit = ExitGuard.hold();
                NDManager m = base.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            int c = data.channels();
            float[] x = new float[(to - from) * c * crop * crop];
            for (int k = from; k < to; k++) {
                SegSample v = data.view(k, 1.0, false);
                if (v.height() != crop || v.width() != crop) {
                    throw new VptlabException(data.name() + ": view " + k + " is " + v.height() + "x" + v.width()
                            + " where its annotation is " + crop + "x" + crop);
                }
                System.arraycopy(v.image(), 0, x, (k - from) * c * crop * crop, c * crop * crop);
            }
            NDArray logits = model.decode(m.create(x, new Shape(to - from, c, crop, crop)));
            int[] pred = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
            int px = crop * crop;
            for (int k = from; k < to; k++) {
                int[] p = java.util.Arrays.copyOfRange(pred, (k - from) * px, (k - from + 1) * px);
                iou.add(p, data.annotation(k).label());
                if (sink != null) {
                    sink.accept(k, crop, crop, p);
                }
            }
        }
    }

    private static void single(SegModel model, SegData data, int i, int crop, int stride, boolean multiScale, NDManager base,
            MeanIou iou, Predictions sink) {
        SegData.Annotation a = data.annotation(i);
        try (ExitGuard.Hold exit = ExitGuard.hold();
                NDManager m = base.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            NDArray probs = null;
            for (double r : multiScale ? MS_RATIOS : List.of(1.0)) {
                for (boolean flip : multiScale ? new boolean[] {false, true} : new boolean[] {false}) {
                    SegSample v = data.view(i, r, flip);
                    NDArray img = m.create(v.image(), new Shape(1, data.channels(), v.height(), v.width()));
                    NDArray logits = SlideInference.logits(img, crop, stride, data.classes(), model::decode);
                    NDArray p = Bilinear.resize(logits, a.height(), a.width()).softmax(1);
                    if (flip) {
                        p = p.flip(3);
                    }
                    probs = probs == null ? p : probs.add(p);
                }
            }
            int[] pred = probs.argMax(1).toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
            iou.add(pred, a.label());
            if (sink != null) {
                sink.accept(i, a.height(), a.width(), pred);
            }
        }
    }
}
