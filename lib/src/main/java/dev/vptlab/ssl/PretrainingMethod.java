package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.Pooling;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pretraining objective on the shared trunk. {@link Pretrainer} owns everything else (data,
 * batching, optimiser, schedule, seeding, memory scopes, logging, saving), so a method only builds its
 * extra modules, registers their tensors in {@link #modules}, and says what one batch's loss is.
 */
public abstract class PretrainingMethod {
    private final String id;
    private final Pooling probePooling;
    /** The trunk being pretrained; only it is saved. */
    protected final VisionTransformer vit;
    /** Parameter store of every forward pass (no parameter copies: the trunk lives on one device). */
    protected final ParameterStore ps;
    /** The method's own trainable tensors beyond the trunk (decoder, projector, head), by unique name. */
    protected final Map<String, NDArray> modules = new LinkedHashMap<>();

    /**
     * @param id "mae", "mocov3" or "supervised": written to the trunk file's metadata
     * @param probePooling the representation the paper evaluates with a linear probe
     */
    protected PretrainingMethod(String id, Pooling probePooling, VisionTransformer trunk, NDManager m) {
        this.id = id;
        this.probePooling = probePooling;
        this.vit = trunk;
        this.ps = new ParameterStore(m, false);
    }

    public final String id() {
        return id;
    }

    public final VisionTransformer trunk() {
        return vit;
    }

    public final Pooling probePooling() {
        return probePooling;
    }

    /**
     * Every tensor the optimiser updates, by a unique name: the trunk's unfrozen tensors under their timm names
     * (read when called, so a method may freeze some in its constructor), then {@link #modules}.
     */
    public final Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> all = new LinkedHashMap<>(Trunks.trainableParameters(vit));
        all.putAll(modules);
        return Collections.unmodifiableMap(all);
    }

    /** The scalar loss of one batch; called inside a gradient collector, within the step's scope. */
    public abstract NDArray loss(Batch batch);

    /** Runs before each step's forward pass, outside autograd (MoCo v3's momentum update). */
    public void beforeStep(long step, long totalSteps) {}
}
