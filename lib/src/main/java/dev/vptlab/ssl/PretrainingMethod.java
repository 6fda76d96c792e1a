package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.Pooling;
import java.util.Map;

/**
 * One pretraining objective on the shared trunk. {@link Pretrainer} owns everything else (data,
 * batching, optimiser, schedule, seeding, memory scopes, logging, saving), so a method only builds its
 * extra modules and says what one batch's loss is.
 */
public interface PretrainingMethod {
    /** "mae", "mocov3" or "supervised": written to the trunk file's metadata. */
    String id();

    /** The trunk being pretrained; only it is saved. */
    VisionTransformer trunk();

    /** Every tensor the optimiser updates, by a unique name (trunk tensors under their timm names). */
    Map<String, NDArray> trainableParameters();

    /** The scalar loss of one batch; called inside a gradient collector, within the step's scope. */
    NDArray loss(Batch batch);

    /** Runs before each step's forward pass, outside autograd (MoCo v3's momentum update). */
    default void beforeStep(long step, long totalSteps) {}

    /** The representation the paper evaluates with a linear probe. */
    Pooling probePooling();
}
