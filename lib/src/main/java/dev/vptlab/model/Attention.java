package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * timm multi-head self-attention with one fused qkv Linear (timm 0.5.4 {@code Attention}): output channel c
 * of qkv is (s = c / D, head = (c mod D) / hd, j = c mod hd) with s = 0, 1, 2 for Q, K, V. Keeping the
 * weight fused makes checkpoint loading a one-to-one name map and lets cross-attention take the frozen
 * Q/K/V rows as views (the official CVPT code copies exactly these rows into its frozen cross-attention,
 * {@code CVPT.py}, {@code _load_weights}).
 */
public final class Attention extends AbstractBlock {
    private final int dim;
    private final int heads;
    private final float scale;
    private final Linear qkv;
    private final Linear proj;

    public Attention(VitConfig config) {
        this.dim = config.embedDim();
        this.heads = config.numHeads();
        this.scale = config.attentionScale();
        this.qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dim).optBias(config.qkvBias()).build());
        this.proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    }

    /**
     * Self-attention: {@code softmax(Q Kᵀ · scale / τ) V}, then proj.
     *
     * @param temperature scalar dividing the logits of all heads (Gated PT's attention shaping, Yoo et al. §4.2;
     *     official code {@code vit_backbones/vit_mae.py}, {@code Attention.forward}), or null for τ = 1
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray temperature, boolean training) {
        return forward(ps, x, temperature, null, training);
    }

    /**
     * Self-attention whose keys and values are extended by {@code kv} (null: none): the queries of the N tokens
     * attend to N + P entries; the output keeps N tokens.
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray temperature, KeyValuePrompts kv, boolean training) {
        Shape s = x.getShape();
        long b = s.get(0);
        long n = s.get(1);
        NDArray qkvOut = qkv.forward(ps, new NDList(x), training).singletonOrThrow();
        // [B, N, 3, H, hd] -> [3, B, H, N, hd]
        NDArray parts = qkvOut.reshape(b, n, 3, heads, dim / heads).transpose(2, 0, 3, 1, 4);
        NDArray k = parts.get(1);
        NDArray v = parts.get(2);
        if (kv != null) {
            k = k.concat(batchHeads(kv.keys(), b), 2);
            v = v.concat(batchHeads(kv.values(), b), 2);
        }
        NDArray out = attend(parts.get(0), k, v, temperature);
        return proj.forward(ps, new NDList(out), training).singletonOrThrow();
    }

    /**
     * The Q/K/V/out weights cross-attention uses when it shares this block's frozen self-attention
     * (CVPT's default): row slices of the fused qkv parameter and the proj parameter. The official code
     * copies these weights into separate frozen q/k/v/proj layers ({@code CVPT.py}, {@code _load_weights});
     * frozen copies equal sharing, so here nothing is copied and nothing becomes trainable.
     */
    public CrossWeights sharedWeights(ParameterStore ps) {
        NDArray w = value(ps, qkv, "weight");
        NDArray b = qkv.getParameters().contains("bias") ? value(ps, qkv, "bias") : null;
        return new CrossWeights(rows(w, 0), b == null ? null : rows(b, 0), rows(w, 1), b == null ? null : rows(b, 1),
                rows(w, 2), b == null ? null : rows(b, 2), value(ps, proj, "weight"), value(ps, proj, "bias"));
    }

    /**
     * Cross-attention (CVPT; official code {@code CVPT.py}, {@code CrossAttention.forward}): queries from the
     * image tokens, keys and values from the prompts, softmax over the prompts only, so image tokens never
     * compete with prompts (the paper's "decoupling" argument).
     *
     * @param x image tokens [B, N, D], not layer-normed
     * @param prompts [B, M, D] or [1, M, D] (broadcast over the batch)
     */
    public NDArray crossAttend(NDArray x, NDArray prompts, CrossWeights w) {
        NDArray q = splitHeads(linear(x, w.wq(), w.bq()));
        NDArray k = splitHeads(linear(prompts, w.wk(), w.bk()));
        NDArray v = splitHeads(linear(prompts, w.wv(), w.bv()));
        long batch = x.getShape().get(0);
        if (k.getShape().get(0) != batch) {
            Shape ks = new Shape(batch, k.getShape().get(1), k.getShape().get(2), k.getShape().get(3));
            k = k.broadcast(ks);
            v = v.broadcast(ks);
        }
        return linear(attend(q, k, v, null), w.wo(), w.bo());
    }

    /**
     * The cross-attention's weights over the prompts, {@code softmax(Q Kᵀ · scale)} [B, H, N, M], as
     * {@link #crossAttend} computes them (for analysis: how sharply each image token picks among the prompts).
     */
    public NDArray crossAttentionWeights(NDArray x, NDArray prompts, CrossWeights w) {
        return logits(splitHeads(linear(x, w.wq(), w.bq())), splitHeads(linear(prompts, w.wk(), w.bk()))).softmax(-1);
    }

    /** Weights of a cross-attention: [D, D] matrices in (out, in) layout and [D] biases (bias may be null). */
    public record CrossWeights(NDArray wq, NDArray bq, NDArray wk, NDArray bk, NDArray wv, NDArray bv, NDArray wo,
            NDArray bo) {}

    /** [B, H, N, hd] x3 -> merged heads [B, N, D] (channel 64·h + j). */
    private NDArray attend(NDArray q, NDArray k, NDArray v, NDArray temperature) {
        NDArray logits = logits(q, k);
        if (temperature != null) {
            logits = logits.div(temperature);
        }
        NDArray out = logits.softmax(-1).matMul(v);
        Shape s = out.getShape();
        return out.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), dim);
    }

    /** {@code Q Kᵀ · scale}, [B, H, N, M] (K may broadcast over the batch). */
    private NDArray logits(NDArray q, NDArray k) {
        // Not mul(float): DJL wraps a Java number in a tensor over a Java direct buffer and frees it right
        // after the op, but autograd's MulBackward keeps that tensor for the backward pass; once the GC
        // reclaims the buffer, gradients read garbage (rare, GC-timed NaNs). A 0-d tensor made by the
        // engine (full) owns its memory.
        return q.matMul(k.transpose(0, 1, 3, 2)).mul(q.getManager().full(new Shape(), scale));
    }

    /** [P, D] or [1|B, P, D] -> [B, H, P, hd]. */
    private NDArray batchHeads(NDArray t, long batch) {
        NDArray t3 = t.getShape().dimension() == 2 ? t.expandDims(0) : t;
        NDArray h = splitHeads(t3);
        Shape s = h.getShape();
        return s.get(0) == batch ? h : h.broadcast(new Shape(batch, s.get(1), s.get(2), s.get(3)));
    }

    private NDArray splitHeads(NDArray t) {
        Shape s = t.getShape();
        return t.reshape(s.get(0), s.get(1), heads, dim / heads).transpose(0, 2, 1, 3);
    }

    /** Rows [part·D, (part+1)·D) of the fused qkv weight or bias: Q, K or V. */
    private NDArray rows(NDArray fused, int part) {
        return fused.get((long) part * dim + ":" + (long) (part + 1) * dim);
    }

    private static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return Linear.linear(x, w, b).singletonOrThrow();
    }

    private static NDArray value(ParameterStore ps, AbstractBlock block, String name) {
        Parameter p = block.getParameters().get(name);
        return ps.getValue(p, p.getArray().getDevice(), false);
    }

    /** timm names of this block's parameters under {@code prefix} (e.g. "blocks.0.attn."). */
    void collectParameters(String prefix, Map<String, Parameter> out) {
        Names.linear(prefix + "qkv.", qkv, out);
        Names.linear(prefix + "proj.", proj, out);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        qkv.initialize(manager, dataType, inputShapes[0]);
        proj.initialize(manager, dataType, inputShapes[0]);
    }
}
