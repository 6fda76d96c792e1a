package dev.vptlab.task;

import ai.djl.ndarray.NDArray;

/** Loss functions with PyTorch semantics. */
public final class Losses {
    private Losses() {}

    /**
     * Mean softmax cross-entropy over the batch (sum / B), no label smoothing: both papers' loss
     * (GatedPT: {@code SoftmaxLoss} in {@code src/solver/losses.py}; CVPT: {@code nn.CrossEntropyLoss()} in
     * {@code train.py}).
     *
     * @param labels int64 class indices [B]
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(1);
        return logits.logSoftmax(1).mul(labels.oneHot((int) classes)).sum(new int[] {1}).neg().mean();
    }
}
