package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * {@code fc2(GELU(fc1(x)))} with the exact erf GELU, as timm's ViT ({@code nn.GELU}); the tanh approximation
 * would be off by about 1.5e-4 at x = ±1 and 4e-4 at x = ±3. DJL's
 * {@link Activation#gelu} on the PyTorch engine is torch's default erf form; a test checks it against
 * the reference values.
 */
public final class Mlp extends AbstractBlock {
    private final Linear fc1;
    private final Linear fc2;

    public Mlp(VitConfig config) {
        fc1 = addChildBlock("fc1", Linear.builder().setUnits(config.mlpHidden()).build());
        fc2 = addChildBlock("fc2", Linear.builder().setUnits(config.embedDim()).build());
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, 0f, training);
    }

    /** With {@link Dropout} at {@code dropRate} after GELU(fc1) and after fc2 (timm's {@code Mlp}, {@code drop}). */
    public NDArray forward(ParameterStore ps, NDArray x, float dropRate, boolean training) {
        NDArray h = Activation.gelu(fc1.forward(ps, new NDList(x), training).singletonOrThrow());
        h = Dropout.apply(h, dropRate, training);
        return Dropout.apply(fc2.forward(ps, new NDList(h), training).singletonOrThrow(), dropRate, training);
    }

    void collectParameters(String prefix, Map<String, Parameter> out) {
        Names.linear(prefix + "fc1.", fc1, out);
        Names.linear(prefix + "fc2.", fc2, out);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fc1.initialize(manager, dataType, inputShapes[0]);
        fc2.initialize(manager, dataType, fc1.getOutputShapes(inputShapes)[0]);
    }
}
