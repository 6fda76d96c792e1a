package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** What a task puts on top of the prompted backbone: a trainable map from its features to the task's outputs. */
public interface Head {
    NDArray forward(NDArray features);

    /** The head's trainable tensors under vptlab's names ({@code head.…}), in a stable order. */
    Map<String, NDArray> parameters();

    /**
     * No head on the pooled feature: a dense task (segmentation) reads {@link PromptedVit#features} and keeps its
     * decoders beside the model, so the model's own head has nothing to train and is never run.
     */
    Head NONE = new Head() {
        @Override
        public NDArray forward(NDArray features) {
            throw new IllegalStateException("this model has no head on the pooled feature; a dense task reads features()");
        }

        @Override
        public Map<String, NDArray> parameters() {
            return Map.of();
        }
    };
}
