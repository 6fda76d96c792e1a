package dev.vptlab.seg;

import dev.vptlab.data.SegSample;
import java.util.random.RandomGenerator;

/**
 * One split of a segmentation dataset as training and evaluation read it: training samples through the task's
 * pipeline (at the crop size, padded), evaluation views at a scale ratio, and the original-size annotation every view
 * is scored against.
 */
public interface SegData {
    /** e.g. "ade20k/validation" or "fm-seg/test". */
    String name();

    int size();

    int classes();

    /** The side of every image when all are the same square size at ratio 1 (the mini task), else 0. */
    default int fixedSide() {
        return 0;
    }

    /** Image channels the backbone must take. */
    int channels();

    /** Training sample i through the training pipeline, drawing only from {@code rng}; crop × crop, label padded 255. */
    SegSample train(int i, RandomGenerator rng);

    /** Evaluation view of image i at scale {@code ratio} (1 = the single-scale test size), flipped or not; no label. */
    SegSample view(int i, double ratio, boolean flip);

    /** The annotation of image i at its original size (ignored pixels 255), as {@code [height, width, label...]}. */
    Annotation annotation(int i);

    /** An original-size annotation. */
    record Annotation(int height, int width, int[] label) {}

    /**
     * Checks every image and annotation before training (sizes, label values, readability), failing with a typed
     * error that names the file.
     */
    void check();
}
