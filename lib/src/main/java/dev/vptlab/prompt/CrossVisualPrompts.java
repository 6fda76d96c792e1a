package dev.vptlab.prompt;

import dev.vptlab.model.SavedActivations;
import dev.vptlab.model.VitConfig;
import dev.vptlab.model.Macs;
import java.util.Map;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.vptlab.model.Attention;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.BranchPosition;
import dev.vptlab.model.Dropout;
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
 *
 * <p>An optional backbone dropout (the ViT's {@code drop_rate}; 0 in the classification scripts, 0.1 in the released
 * ADE20K config) stays active in training after the position embedding, after the attention projection, after both
 * MLP layers and after the cross-attention's output projection, as the backbone of CVPT's segmentation code builds
 * it; attention-probability dropout stays 0.
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
    private final float dropRate;
    private final BranchPosition position;
    private final Weights weights;
    private final NDArray prompts;
    private final List<Attention.CrossWeights> ownWeights = new ArrayList<>();
    private Probe probe;

    /**
     * @param dropPathRate maximum stochastic-depth rate (0.1 in both official training scripts), reached
     *     at the last block
     */
    public CrossVisualPrompts(VisionTransformer vit, NDManager m, int numPrompts, BranchPosition position, float dropout,
            float dropPathRate, Weights weights) {
        this(vit, m, numPrompts, position, dropout, dropPathRate, 0f, weights);
    }

    /** @param dropRate the backbone's plain dropout rate in training (the ViT's {@code drop_rate}), 0 for none */
    public CrossVisualPrompts(VisionTransformer vit, NDManager m, int numPrompts, BranchPosition position, float dropout,
            float dropPathRate, float dropRate, Weights weights) {
        super(vit);
        requireRange("number of prompts", numPrompts, 1, 100_000);
        this.numPrompts = numPrompts;
        this.position = position;
        this.dropout = dropout;
        this.dropPathRate = dropPathRate;
        this.dropRate = dropRate;
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

    /** The backbone's dropout after the position embedding (timm's {@code pos_drop}), before block 0. */
    @Override
    public NDArray beforeBlock(int i, NDArray x, boolean training) {
        return i == 0 ? Dropout.apply(x, dropRate, training) : x;
    }

    @Override
    public BlockOptions options(ParameterStore ps, int i, boolean training) {
        Attention attn = vit.block(i).attention();
        Attention.CrossWeights w = weights == Weights.SHARED_FROZEN ? attn.sharedWeights(ps) : ownWeights.get(i);
        NDArray p = prompts.get(i + ":" + (i + 1));
        float rate = depth > 1 ? dropPathRate * i / (depth - 1) : 0f;
        Probe watching = probe;
        return new BlockOptions(null, x -> {
            // Training: per-sample masks need the [B, M, D] broadcast; evaluation: K/V once, broadcast.
            NDArray pr = training ? PromptDropout.apply(p, x.getShape().get(0), dropout, true) : p;
            NDArray out = Dropout.apply(attn.crossAttend(x, pr, w), dropRate, training); // CrossAttention's proj_drop
            if (watching != null && !training) {
                watching.saw(i, attn.crossAttentionWeights(x, pr, w), out);
            }
            return out;
        }, position, rate).withDropRate(dropRate);
    }

    /** What an evaluation forward's cross-attention did in one block (for analysis; see {@link #watch}). */
    public interface Probe {
        /**
         * @param block 0-based block
         * @param weights the attention over the prompts, [B, H, N, M]
         * @param output the cross-attention's output added to the tokens, [B, N, D]
         */
        void saw(int block, NDArray weights, NDArray output);
    }

    /**
     * Calls {@code p} from every block's cross-attention in evaluation forwards (training forwards are never watched),
     * or stops with null. The arrays belong to the forward's manager.
     */
    public void watch(Probe p) {
        this.probe = p;
    }

    /**
     * CVPT's settings.
     *
     * @param position where the cross-attention enters each block, 1..5 (3: after self-attention)
     * @param dropPath the largest stochastic-depth rate, reached at the last block (0.1 in the official scripts)
     * @param dropRate the backbone's plain dropout in training (the ViT's {@code drop_rate}): 0 in the official
     *     classification scripts, 0.1 in the released ADE20K config
     */
    public record Config(int prompts, float dropout, int position, float dropPath, Weights weights, float dropRate)
            implements MethodConfig {
        /** Run-record key of {@link #dropRate}; recorded only when it is not 0, so records made before it still match. */
        public static final String DROP_RATE = "drop_rate";

        public Config {
            requireRange("number of prompts", prompts, 1, 100_000);
            requireDropout(dropout);
            BranchPosition.of(position);
            java.util.Objects.requireNonNull(weights, "weights");
            if (dropRate < 0 || dropRate >= 1) {
                throw new dev.vptlab.VptlabException("backbone dropout " + dropRate + " is out of range [0, 1)");
            }
        }

        /** Without backbone dropout, as the official classification scripts train. */
        public Config(int prompts, float dropout, int position, float dropPath, Weights weights) {
            this(prompts, dropout, position, dropPath, weights, 0f);
        }

        /** The method with its papers' defaults. */
        public static Config of(int prompts) {
            return new Config(prompts, PromptDropout.DEFAULT_RATE, 3, 0.1f, Weights.SHARED_FROZEN);
        }

        @Override
        public String id() {
            return TYPE.id();
        }

        @Override
        public PromptMethod build(VisionTransformer vit, NDManager m) {
            return new CrossVisualPrompts(vit, m, prompts, BranchPosition.of(position), dropout, dropPath, dropRate, weights);
        }

        @Override
        public String recipe() {
            return "cvpt";
        }

        @Override
        public boolean reportsBestTestEpoch() {
            return true;
        }

        /** CVPT's code keeps PyTorch's default {@code nn.Linear} initialisation for its head. */
        @Override
        public ClassifierHead.Init headInit() {
            return ClassifierHead.Init.TORCH_DEFAULT;
        }

        @Override
        public int promptTokensAt(int i) {
            return 0;
        }

        /**
         * The plain block over the N image tokens (in block 0 only from the branch on: nothing trainable comes before
         * it), the cross-attention (position 3: its Q over the N tokens, V over the prompts, the softmax [B, H, N, P], and Kᵀ
         * from block 1 on: in block 0 the queries need no gradient, so Q·Kᵀ keeps only Q), the prompt-dropout mask and, with {@code drop_rate}, the backbone
         * dropouts' masks: the attention projection's from block 1 on (block 0's self-attention comes before anything
         * trainable), both MLP layers' and the cross-attention projection's.
         */
        @Override
        public long savedFloats(VitConfig c, int i, long batch) {
            long b = batch;
            long d = c.embedDim();
            long n = c.numTokens();
            long p = prompts;
            long plain = i == 0 ? SavedActivations.layerNorm(c, n, b) + b * n * c.mlpHidden() : SavedActivations.block(c, n, b);
            long cross = b * n * d + (i == 0 ? 0 : b * p * d) + b * p * d + b * c.numHeads() * n * p;
            long masks = dropRate > 0 ? (i == 0 ? 0 : b * n * d) + b * n * c.mlpHidden() + 2 * b * n * d : 0;
            return plain + cross + masks + (dropout > 0 ? b * p * d : 0);
        }

        /** The plain ViT plus one cross-attention branch per block. */
        @Override
        public long forwardMacs(VitConfig c) {
            return MethodConfig.super.forwardMacs(c) + c.depth() * Macs.crossAttention(c, prompts);
        }

        @Override
        public Map<String, Object> settings() {
            Map<String, Object> s = new java.util.LinkedHashMap<>();
            s.put("cross_position", position);
            s.put("drop_path", (double) dropPath);
            s.put("cross_weights", weights.name());
            if (dropRate != 0f) {
                s.put(DROP_RATE, (double) dropRate);
            }
            return s;
        }

        @Override
        public java.util.Set<String> settingKeys() {
            java.util.Set<String> k = new java.util.LinkedHashSet<>(settings().keySet());
            k.add(DROP_RATE);
            return k;
        }

        @Override
        public Config withSettings(Map<String, ?> s) {
            return new Config(prompts, dropout, Settings.getInt(s, "cross_position", position),
                    Settings.getFloat(s, "drop_path", dropPath), Settings.getEnum(s, "cross_weights", Weights.class, weights),
                    Settings.getFloat(s, DROP_RATE, dropRate));
        }

        @Override
        public Config withPrompts(int n) {
            return new Config(n, dropout, position, dropPath, weights, dropRate);
        }

        @Override
        public Config withDropout(float p) {
            return new Config(prompts, p, position, dropPath, weights, dropRate);
        }

        public Config withCross(int pos, Weights w) {
            return new Config(prompts, dropout, pos, dropPath, w, dropRate);
        }

        /** A copy with the backbone's dropout at {@code rate} (0: none). */
        public Config withDropRate(float rate) {
            return new Config(prompts, dropout, position, dropPath, weights, rate);
        }

        /** The official CVPT names: {@code Prompt_Tokens} and the head's {@code head.*}. */
        @Override
        public List<Map.Entry<String, String>> officialNames() {
            return List.of(Map.entry("Prompt_Tokens", "cross_prompts"));
        }
    }

    /** CVPT's defaults: position 3, drop-path 0.1, the block's own frozen self-attention weights. */
    public static final Methods.Type TYPE = new Methods.Type("cvpt",
            "CVPT (Huang et al., arXiv 2408.14961): prompts reached through cross-attention with frozen SA weights",
            Config::of);
}
