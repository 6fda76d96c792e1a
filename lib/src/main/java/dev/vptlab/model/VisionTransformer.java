package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen ViT trunk shared by every method (timm 0.5.4's {@code VisionTransformer}), with timm's parameter names.
 *
 * <p>Besides the plain Block API forward (images → normed tokens), it exposes the pieces the prompt
 * methods compose (vptlab's own seam between backbone and methods): {@link #embed}, {@link #block},
 * {@link #finalNorm}.
 * A method runs the blocks one at a time, changes the token sequence between them and passes
 * {@link BlockOptions} into them; no method copies block code.
 */
public final class VisionTransformer extends AbstractBlock {
    private final VitConfig config;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final PatchEmbed patchEmbed;
    private final List<EncoderBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;

    public VisionTransformer(VitConfig config) {
        this.config = config;
        long d = config.embedDim();
        clsToken = addParameter(Parameter.builder().setName("cls_token").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, 1, d)).optInitializer(Initializer.ZEROS).build());
        posEmbed = addParameter(Parameter.builder().setName("pos_embed").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, config.numTokens(), d)).optInitializer(Initializer.ZEROS).build());
        patchEmbed = addChildBlock("patch_embed", new PatchEmbed(config));
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(addChildBlock("blocks." + i, new EncoderBlock(config)));
        }
        norm = addChildBlock("norm", Names.layerNorm(config.layerNormEps()));
    }

    /**
     * Builds and allocates a trunk (zeros; load weights with the checkpoint package) on the manager's
     * device, frozen: no trunk array ever requires a gradient.
     */
    public static VisionTransformer create(VitConfig config, NDManager manager) {
        VisionTransformer vit = new VisionTransformer(config);
        vit.initialize(manager, DataType.FLOAT32, new Shape(1, config.inChannels(), config.imageSize(), config.imageSize()));
        vit.freezeParameters(true);
        return vit;
    }

    public VitConfig config() {
        return config;
    }

    public int depth() {
        return blocks.size();
    }

    /** Block i, 0-based. */
    public EncoderBlock block(int i) {
        return blocks.get(i);
    }

    /** Patch embedding + CLS + position embedding: [B, 1 + grid², D]. */
    public NDArray embed(ParameterStore ps, NDArray images, boolean training) {
        NDArray patches = patchEmbed.forward(ps, images, training);
        long b = patches.getShape().get(0);
        NDArray cls = value(ps, clsToken).broadcast(b, 1, config.embedDim());
        return NDArrays.concat(new NDList(cls, patches), 1).add(value(ps, posEmbed));
    }

    /** Runs block i with the given options. */
    public NDArray block(ParameterStore ps, int i, NDArray x, BlockOptions options, boolean training) {
        return blocks.get(i).forward(ps, x, options, training);
    }

    /** The pretrained final LayerNorm ({@code norm.*}). */
    public NDArray finalNorm(ParameterStore ps, NDArray x, boolean training) {
        return norm.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private static NDArray value(ParameterStore ps, Parameter p) {
        return ps.getValue(p, p.getArray().getDevice(), false);
    }

    /** All trunk parameters under their timm names, in timm's state-dict order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("cls_token", clsToken);
        out.put("pos_embed", posEmbed);
        patchEmbed.collectParameters("patch_embed.", out);
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).collectParameters("blocks." + i + ".", out);
        }
        Names.layerNorm("norm.", norm, out);
        return Collections.unmodifiableMap(out);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = embed(ps, inputs.singletonOrThrow(), training);
        for (int i = 0; i < blocks.size(); i++) {
            x = block(ps, i, x, BlockOptions.PLAIN, training);
        }
        return new NDList(finalNorm(ps, x, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.numTokens(), config.embedDim())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        patchEmbed.initialize(manager, dataType, inputShapes[0]);
        Shape tokens = new Shape(inputShapes[0].get(0), config.numTokens(), config.embedDim());
        for (EncoderBlock b : blocks) {
            b.initialize(manager, dataType, tokens);
        }
        norm.initialize(manager, dataType, tokens);
    }
}
