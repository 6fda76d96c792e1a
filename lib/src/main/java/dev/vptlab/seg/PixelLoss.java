package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Pixel cross-entropy as mmsegmentation v0.15.0's decode heads compute it ({@code BaseDecodeHead.losses} →
 * {@code CrossEntropyLoss}, {@code reduction='mean'}, {@code ignore_index=255}): the logits are resized bilinearly
 * (align_corners False) to the label size, the per-pixel loss of an ignored pixel is 0, and the mean runs over
 * <em>all</em> B·H·W pixels, ignored ones included (mmseg v0.15 has no {@code avg_non_ignore}).
 */
public final class PixelLoss {
    /** The ignore label (ADE20K's "other" after {@code reduce_zero_label}, and the padding). */
    public static final int IGNORE = 255;

    private PixelLoss() {}

    /**
     * @param logits [B, C, h, w] float32
     * @param labels [B, H, W] int64, values in 0..C−1 or 255
     * @return the scalar loss (0-d), differentiable with respect to {@code logits}
     */
    /**
     * A loss weight (the auxiliary heads' 0.4) as a 0-d tensor the engine owns. Not {@code loss.mul(float)}: DJL wraps
     * a Java number in a tensor over a Java direct buffer and frees it right after the op, while autograd's MulBackward
     * keeps that tensor for the backward pass; once the GC reclaims the buffer, the gradient reads whatever is there
     * (a run under GC pressure diverged at iteration 6; {@code SegTrainerTest}).
     */
    public static NDArray weight(NDManager m, double w) {
        return m.full(new Shape(), (float) w);
    }

    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        Shape ls = logits.getShape();
        Shape ys = labels.getShape();
        if (ls.dimension() != 4 || ys.dimension() != 3 || ls.get(0) != ys.get(0)) {
            throw new IllegalArgumentException("logits [B, C, h, w] and labels [B, H, W] expected, got " + ls + " and " + ys);
        }
        int classes = Math.toIntExact(ls.get(1));
        NDManager m = logits.getManager();
        NDArray x = Bilinear.resize(logits, Math.toIntExact(ys.get(1)), Math.toIntExact(ys.get(2)));
        NDArray y = labels.toType(DataType.INT64, false);
        NDArray valid = y.neq(IGNORE);                                          // no gradient flows here
        NDArray safe = y.mul(valid.toType(DataType.INT64, false));              // ignored pixels point at class 0
        NDArray oneHot = safe.oneHot(classes, DataType.FLOAT32)                  // [B, H, W, C]
                .mul(valid.toType(DataType.FLOAT32, false).expandDims(3));         // ... and weigh 0
        NDArray logp = x.logSoftmax(1).transpose(0, 2, 3, 1);                    // [B, H, W, C]
        NDArray total = logp.mul(oneHot).sum().neg();
        return total.div(m.full(new Shape(), (float) ys.size()));
    }
}
