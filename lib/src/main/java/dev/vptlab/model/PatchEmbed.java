package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.vptlab.VptlabException;
import java.util.Map;

/** Conv2d(C→D, kernel = stride = patch), flattened row-major: token t = grid·row + col (as timm's PatchEmbed). */
public final class PatchEmbed extends AbstractBlock {
    private final VitConfig config;
    private final Conv2d proj;

    public PatchEmbed(VitConfig config) {
        this.config = config;
        Shape k = new Shape(config.patchSize(), config.patchSize());
        proj = addChildBlock("proj", Conv2d.builder().setKernelShape(k).optStride(k).setFilters(config.embedDim()).build());
    }

    /** @param images [B, C, H, W] at the config's image size; @return [B, grid², D] */
    public NDArray forward(ParameterStore ps, NDArray images, boolean training) {
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels() || s.get(2) != config.imageSize()
                || s.get(3) != config.imageSize()) {
            throw new VptlabException("images of shape " + s + " do not fit " + config.name() + ": expected [B, "
                    + config.inChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        }
        NDArray f = proj.forward(ps, new NDList(images), training).singletonOrThrow();
        return f.reshape(s.get(0), config.embedDim(), config.numPatches()).transpose(0, 2, 1);
    }

    void collectParameters(String prefix, Map<String, Parameter> out) {
        out.put(prefix + "proj.weight", proj.getParameters().get("weight"));
        out.put(prefix + "proj.bias", proj.getParameters().get("bias"));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.numPatches(), config.embedDim())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        proj.initialize(manager, dataType, inputShapes[0]);
    }
}
