package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import dev.vptlab.checkpoint.RawTensor;
import java.util.Map;

/**
 * An optimizer with PyTorch's update rules, applied in place to trainable tensors outside autograd.
 * DJL's own optimizers use other conventions (e.g. momentum folding the learning rate in), which
 * matters when the learning rate changes, as in Gated PT's epoch 0 at lr = 0 (its warm-up starts at 0 while
 * the momentum buffer already fills).
 */
public interface Optimizer {
    /**
     * One update of every tensor in {@code params} from its gradient, at learning rate {@code lr}; then
     * the gradients are zeroed. Tensors are updated in the map's order; state is keyed by name.
     */
    void step(Map<String, NDArray> params, double lr);

    /** The state needed to resume exactly (momentum buffers, moments, step counts), as host tensors. */
    Map<String, RawTensor> state();

    /** Restores {@link #state()}; a mismatch names the key and the shapes ({@code source} names the file). */
    void loadState(Map<String, RawTensor> state, String source);

    /** One line for logs and run records, e.g. "SGD(momentum=0.9, weight_decay=0)". */
    String describe();
}
