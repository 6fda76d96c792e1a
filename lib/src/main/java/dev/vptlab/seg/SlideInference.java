package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Sliding-window inference as mmsegmentation v0.15.0's {@code EncoderDecoder.slide_inference} does it (the ADE20K
 * configs: crop 512, stride 341):
 * <pre>
 * h_grids = max(H − crop + stride − 1, 0) // stride + 1        (w_grids likewise)
 * window (i, j): y1 = i·stride, x1 = j·stride, y2 = min(y1 + crop, H), x2 = min(x1 + crop, W),
 *                y1 = max(y2 − crop, 0), x1 = max(x2 − crop, 0)
 * preds[y1:y2, x1:x2] += logits(window); count[y1:y2, x1:x2] += 1;   preds /= count
 * </pre>
 * Windows are visited row by row, so the float32 sums are accumulated in mmseg's order. An image smaller than the
 * crop is one window, the whole image. Runs outside autograd's interest: call it in evaluation.
 */
public final class SlideInference {
    /** The per-window model: window [1, C, h, w] → logits [1, K, h, w] (already at the window's size). */
    @FunctionalInterface
    public interface Logits {
        NDArray apply(NDArray window);
    }

    private SlideInference() {}

    /**
     * @param image [1, C, H, W]
     * @param crop window side
     * @param stride window step
     * @param classes K, the logits' channels
     * @param f the per-window model
     * @return averaged logits [1, K, H, W], attached to {@code image}'s manager
     */
    public static NDArray logits(NDArray image, int crop, int stride, int classes, Logits f) {
        Shape s = image.getShape();
        if (s.dimension() != 4 || s.get(0) != 1) {
            throw new IllegalArgumentException("slide inference wants one image [1, C, H, W], got " + s);
        }
        if (crop < 1 || stride < 1) {
            throw new IllegalArgumentException("crop " + crop + " and stride " + stride + " must be positive");
        }
        int h = Math.toIntExact(s.get(2));
        int w = Math.toIntExact(s.get(3));
        NDManager parent = image.getManager();
        // the sum lives in its own manager: an indexed write may leave a handle in the target's manager per window
        try (NDManager acc = parent.newSubManager()) {
            return accumulate(image, crop, stride, classes, f, acc, parent, h, w);
        }
    }

    private static NDArray accumulate(NDArray image, int crop, int stride, int classes, Logits f, NDManager acc,
            NDManager parent, int h, int w) {
        int hGrids = Math.max(h - crop + stride - 1, 0) / stride + 1;
        int wGrids = Math.max(w - crop + stride - 1, 0) / stride + 1;
        NDArray preds = acc.zeros(new Shape(1, classes, h, w), DataType.FLOAT32);
        float[] count = new float[h * w];
        for (int i = 0; i < hGrids; i++) {
            for (int j = 0; j < wGrids; j++) {
                int y1 = i * stride;
                int x1 = j * stride;
                int y2 = Math.min(y1 + crop, h);
                int x2 = Math.min(x1 + crop, w);
                y1 = Math.max(y2 - crop, 0);
                x1 = Math.max(x2 - crop, 0);
                try (NDManager scope = acc.newSubManager()) {
                    NDIndex box = new NDIndex(":, :, {}:{}, {}:{}", y1, y2, x1, x2);
                    NDArray window = image.get(box);
                    window.attach(scope);
                    NDArray out = f.apply(window);
                    Shape os = out.getShape();
                    if (os.dimension() != 4 || os.get(0) != 1 || os.get(1) != classes || os.get(2) != y2 - y1
                            || os.get(3) != x2 - x1) {
                        throw new IllegalStateException("window logits " + os + " for a " + (y2 - y1) + "×" + (x2 - x1)
                                + " window, " + classes + " classes");
                    }
                    out.attach(scope);
                    NDArray region = preds.get(box);
                    region.attach(scope);
                    NDArray sum = region.add(out);
                    sum.attach(scope);
                    preds.set(box, sum);
                }
                for (int y = y1; y < y2; y++) {
                    for (int x = x1; x < x2; x++) {
                        count[y * w + x] += 1;
                    }
                }
            }
        }
        NDArray c = acc.create(count, new Shape(1, 1, h, w));
        NDArray out = preds.div(c);
        out.attach(parent);
        return out;
    }
}
