package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** What a task puts on top of the prompted backbone: a trainable map from its features to the task's outputs. */
public interface Head {
    NDArray forward(NDArray features);

    /** The head's trainable tensors under vptlab's names ({@code head.…}), in a stable order. */
    Map<String, NDArray> parameters();
}
