package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * Pre-norm transformer block, {@code x += DP(SA(LN1 x)); x += DP(MLP(LN2 x))}, as timm 0.5.4's {@code Block},
 * which the official GatedPT and CVPT code build on. This is the only place where the per-block options of
 * the prompt methods exist: an attention temperature (Gated PT) and a side branch at one of CVPT's five
 * positions (official CVPT code, {@code CVPT.py}, {@code CvptBlock.forward}). A non-zero {@link BlockOptions#dropRate}
 * adds timm's plain dropout after the attention projection and after both MLP layers; a side branch applies its
 * own.
 */
public final class EncoderBlock extends AbstractBlock {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    public EncoderBlock(VitConfig config) {
        norm1 = addChildBlock("norm1", Names.layerNorm(config.layerNormEps()));
        attn = addChildBlock("attn", new Attention(config));
        norm2 = addChildBlock("norm2", Names.layerNorm(config.layerNormEps()));
        mlp = addChildBlock("mlp", new Mlp(config));
    }

    /** The block's attention, whose frozen weights CVPT's cross-attention shares. */
    public Attention attention() {
        return attn;
    }

    public NDArray forward(ParameterStore ps, NDArray x, BlockOptions o, boolean training) {
        SideBranch branch = o.branch();
        BranchPosition at = branch == null ? null : o.position();
        if (at == BranchPosition.BEFORE_ATTENTION) {
            x = x.add(branch.apply(x));
        }
        NDArray sa = attn.forward(ps, norm(ps, norm1, x, training), o.temperature(), o.keyValuePrompts(), training);
        sa = Dropout.apply(sa, o.dropRate(), training); // timm's proj_drop: the last step of Attention.forward
        if (at == BranchPosition.WITH_ATTENTION) {
            sa = sa.add(branch.apply(x));
        }
        x = x.add(dropPath(sa, o.dropPathRate(), training));
        if (at == BranchPosition.AFTER_ATTENTION) {
            x = x.add(branch.apply(x));
        }
        NDArray mlpIn = norm(ps, norm2, x, training);
        if (at == BranchPosition.IN_MLP) {
            mlpIn = mlpIn.add(branch.apply(x));
        }
        x = x.add(dropPath(mlp.forward(ps, mlpIn, o.dropRate(), training), o.dropPathRate(), training));
        if (at == BranchPosition.AFTER_MLP) {
            x = x.add(branch.apply(x));
        }
        return x;
    }

    private static NDArray norm(ParameterStore ps, LayerNorm ln, NDArray x, boolean training) {
        return ln.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /**
     * timm's DropPath: each sample's branch is kept with probability 1 − rate and rescaled by
     * 1/(1 − rate). CVPT trains with it active on the frozen SA and MLP branches ({@code drop_path_rate 0.1}
     * in its {@code train.py}). Identity at evaluation or rate 0.
     */
    static NDArray dropPath(NDArray branch, float rate, boolean training) {
        if (!training || rate == 0f) {
            return branch;
        }
        float keep = 1f - rate;
        Shape s = branch.getShape();
        long[] ones = new long[s.dimension()];
        java.util.Arrays.fill(ones, 1);
        ones[0] = s.get(0);
        NDArray mask = Dropout.uniform(branch.getManager(), new Shape(ones)).lt(keep).toType(DataType.FLOAT32, false);
        return branch.mul(mask.div(keep));
    }

    void collectParameters(String prefix, Map<String, Parameter> out) {
        Names.layerNorm(prefix + "norm1.", norm1, out);
        attn.collectParameters(prefix + "attn.", out);
        Names.layerNorm(prefix + "norm2.", norm2, out);
        mlp.collectParameters(prefix + "mlp.", out);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), BlockOptions.PLAIN, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        norm1.initialize(manager, dataType, inputShapes[0]);
        attn.initialize(manager, dataType, inputShapes[0]);
        norm2.initialize(manager, dataType, inputShapes[0]);
        mlp.initialize(manager, dataType, inputShapes[0]);
    }
}
