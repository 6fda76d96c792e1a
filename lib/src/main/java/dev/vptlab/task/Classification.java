package dev.vptlab.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.data.Batches;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.ClassifierHead;
import dev.vptlab.prompt.Head;

/**
 * Image classification as VTAB-1K and FGVC define it: a linear head on the pooled features, softmax
 * cross-entropy against the label, top-1 accuracy in training and top-1 / top-5 (and ROC-AUC for two classes)
 * in evaluation.
 */
public final class Classification implements Task {
    public static final Classification TASK = new Classification();

    private Classification() {}

    @Override
    public String kind() {
        return "classification";
    }

    @Override
    public Head head(NDManager m, int dim, int classes, ClassifierHead.Init init) {
        return new ClassifierHead(m, dim, classes, init);
    }

    /** The labels, int64 [B]. */
    @Override
    public NDArray target(NDManager m, ImageDataset d, int[] indices) {
        int[] labels = Batches.labels(d, indices);
        long[] wide = new long[labels.length];
        for (int i = 0; i < labels.length; i++) {
            wide[i] = labels[i];
        }
        return m.create(wide);
    }

    @Override
    public NDArray loss(NDArray logits, NDArray labels) {
        return Losses.crossEntropy(logits, labels);
    }

    @Override
    public long correct(NDArray logits, NDArray labels) {
        long[] pred = logits.argMax(1).toLongArray();
        long[] want = labels.toLongArray();
        long c = 0;
        for (int j = 0; j < pred.length; j++) {
            c += pred[j] == want[j] ? 1 : 0;
        }
        return c;
    }

    @Override
    public EvalResult evaluate(String split, float[] logits, ImageDataset d) {
        return EvalResult.of(split, logits, d.numClasses(), Batches.labels(d, Batches.range(0, d.size())));
    }
}
