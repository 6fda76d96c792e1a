package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.Attention;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.BranchPosition;
import dev.vptlab.model.VisionTransformer;
import java.util.ArrayList;
import java.util.List;

/**
 * CVPT (Huang et al., arXiv 2408.14961; official code {@code CVPT.py}): prompts never enter the token sequence.
 * Each block gets a cross-attention branch whose queries are the image tokens and whose keys/values are
 * that block's M prompts, inserted at one of five positions (default 3, after self-attention). By
 * default the branch uses the block's own frozen q/k/v/proj weights (shared, not copied: no extra
 * memory, no extra trainables). Stochastic depth 0.1·l/(L−1) stays active on the frozen SA and MLP
 * branches in training ({@code drop_path_rate=0.1} in the official {@code train.py}).
 */
public final class CrossVisualPrompts extends PromptMethod {
    /**
     * The paper's ablation of the cross-attention weights (known to us only through a secondary summary of
     * the paper; the official code implements the shared-and-frozen default).
     */
    public enum Weights {
        /** Default: the block's self-attention tensors, frozen. */
        SHARED_FROZEN(true, false),
        /** Own copies of the pretrained SA weights, trained. */
        SHARED_LEARNABLE(true, true),
        /** Own weights with PyTorch's nn.Linear init, trained. */
        RANDOM_LEARNABLE(false, true),
        /** Own weights with PyTorch's nn.Linear init, frozen (the summary says it collapses). */
        RANDOM_FROZEN(false, false);

        final boolean pretrained;
        final boolean learnable;

        Weights(boolean pretrained, boolean learnable) {
            this.pretrained = pretrained;
            this.learnable = learnable;
        }
    }

    private final int numPrompts;
    private final float dropout;
    private final float dropPathRate;
    private final BranchPosition position;
    private final Weights weights;
    private final NDArray prompts;
    private final List<Attention.CrossWeights> ownWeights = new ArrayList<>();

    /**
     * @param dropPathRate maximum stochastic-depth rate (0.1 in both official training scripts), reached
     *     at the last block
     */
    public CrossVisualPrompts(VisionTransformer vit, NDManager m, int numPrompts, BranchPosition position, float dropout,
            float dropPathRate, Weights weights) {
        super(vit);
        requireRange("number of prompts", numPrompts, 1, 100_000);
        this.numPrompts = numPrompts;
        this.position = position;
        this.dropout = dropout;
        this.dropPathRate = dropPathRate;
        this.weights = weights;
        this.prompts = register("cross_prompts",
                uniform(m, PromptInit.xavier3dBound(depth, numPrompts, dim), new Shape(depth, numPrompts, dim)));
        if (weights != Weights.SHARED_FROZEN) {
            ParameterStore ps = new ParameterStore(m, false);
            for (int i = 0; i < depth; i++) {
                ownWeights.add(ownCopy(m, i, vit.block(i).attention().sharedWeights(ps)));
            }
        }
    }

    private Attention.CrossWeights ownCopy(NDManager m, int block, Attention.CrossWeights shared) {
        String p = "cross_attn." + block + ".";
        float a = (float) (1 / Math.sqrt(dim));
        NDArray[] t = {shared.wq(), shared.bq(), shared.wk(), shared.bk(), shared.wv(), shared.bv(), shared.wo(), shared.bo()};
        String[] names = {"q.weight", "q.bias", "k.weight", "k.bias", "v.weight", "v.bias", "proj.weight", "proj.bias"};
        NDArray[] own = new NDArray[t.length];
        for (int j = 0; j < t.length; j++) {
            own[j] = weights.pretrained ? t[j].duplicate() : m.randomUniform(-a, a, t[j].getShape());
            if (weights.learnable) {
                register(p + names[j], own[j]);
            }
        }
        return new Attention.CrossWeights(own[0], own[1], own[2], own[3], own[4], own[5], own[6], own[7]);
    }

    @Override
    public String id() {
        return "cvpt";
    }

    @Override
    public int promptTokensInSequence() {
        return 0;
    }

    public BranchPosition position() {
        return position;
    }

    @Override
    public BlockOptions options(ParameterStore ps, int i, boolean training) {
        Attention attn = vit.block(i).attention();
        Attention.CrossWeights w = weights == Weights.SHARED_FROZEN ? attn.sharedWeights(ps) : ownWeights.get(i);
        NDArray p = prompts.get(i + ":" + (i + 1));
        float rate = depth > 1 ? dropPathRate * i / (depth - 1) : 0f;
        return new BlockOptions(null, x -> {
            // Training: per-sample masks need the [B, M, D] broadcast; evaluation: K/V once, broadcast.
            NDArray pr = training ? PromptDropout.apply(p, x.getShape().get(0), dropout, true) : p;
            return attn.crossAttend(x, pr, w);
        }, position, rate);
    }
}
