package dev.vptlab.seg;

import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;

/**
 * Analytic training memory of one segmentation iteration in float32 (our estimate): the bytes of the tensors
 * PyTorch's autograd keeps for the backward pass of this implementation's op sequence, unique storages counted
 * once, frozen parameters and 0-d scalars not counted; plus parameter, gradient and SGD momentum of every
 * trainable tensor. Checked op by op against PyTorch's {@code saved_tensors_hooks} on a tiny configuration
 * ({@code SegMemoryTest}).
 *
 * <p>The trunk: each block on the gradient path saves what {@link dev.vptlab.model.SavedActivations} counts for a
 * plain block, and each method adds its own ({@link MethodConfig#savedFloats}): a dropout (prompt dropout, CVPT's
 * backbone {@code drop_rate}) saves its mask, Gated PT's learnable temperature the scaled logits and its gate the
 * block output, CVPT's cross-attention its Q, Kᵀ, V and softmax over the prompts. Head only runs nothing trainable
 * in the trunk, so the trunk saves nothing; VPT-shallow's blocks before its insertion neither.
 *
 * <p>Per SETR-PUP head: the tap (a view of the block output [B, N, D], unless the trunk keeps it already) with
 * LayerNorm's mean and rstd, the LayerNorm output as the
 * first conv's input; per conv the centred, normalised and ReLU maps of the hand-written BatchNorm (3·BCs²) and the
 * up-sampled map the next conv saves; the classifier's input; the loss's log-softmax and the (masked) one-hot
 * target, both [B, classes, crop, crop].
 *
 * @param backboneBytes activations the trunk (and the method inside it) keeps for backward
 * @param headBytes activations the decode and auxiliary heads and their losses keep
 * @param parameterBytes trainable parameters + gradients + SGD momentum (3 × 4 bytes each)
 */
public record SegMemory(long backboneBytes, long headBytes, long parameterBytes) {
    private static final long F32 = 4;

    /** Everything: activations plus parameters, gradients and momentum. */
    public long total() {
        return backboneBytes + headBytes + parameterBytes;
    }

    public long activationBytes() {
        return backboneBytes + headBytes;
    }

    /**
     * The estimate for a batch of {@code batch} crops; {@code vc} already at the crop size; {@code methodParameters} the
     * method's trainable scalars (0 for head only), as building it counts them.
     */
    public static SegMemory of(VitConfig vc, SegConfig cfg, int batch, long methodParameters) {
        int d = vc.embedDim();
        long heads = 0;
        int g = vc.gridSize();
        heads += head(cfg.decodeHead(d), g, batch, cfg.crop());
        heads += (long) (cfg.taps().length - 1) * head(cfg.auxHead(d), g, batch, cfg.crop());
        for (int j = 0; j < cfg.taps().length; j++) {
            heads += tap(vc, cfg, j, batch);
        }
        long params = cfg.decodeHead(d).parameterCount() + (long) (cfg.taps().length - 1) * cfg.auxHead(d).parameterCount()
                + methodParameters;
        return new SegMemory(backbone(vc, cfg, batch), heads, 3 * F32 * params);
    }

    /** Saved activations of the trunk up to the last tap: each block's, as the method says ({@link MethodConfig#savedFloats}). */
    static long backbone(VitConfig vc, SegConfig cfg, int batch) {
        MethodConfig m = cfg.method();
        if (m == null) {
            return 0;
        }
        long floats = 0;
        for (int i = 0; i <= cfg.taps()[cfg.taps().length - 1]; i++) {
            floats += m.savedFloats(vc, i, batch);
        }
        return F32 * floats;
    }

    /**
     * The tap LayerNorm saves: a view of block {@code taps[j]}'s output [B, N, D] (prompts included), counted here
     * unless the trunk already keeps that storage as the next block's LayerNorm input
     * ({@link MethodConfig#passesOutputOn}; never after the last tap, where the trunk stops).
     */
    static long tap(VitConfig vc, SegConfig cfg, int j, int batch) {
        MethodConfig m = cfg.method();
        int at = cfg.taps()[j];
        boolean last = j == cfg.taps().length - 1;
        if (m != null && !last && m.passesOutputOn(at)) {
            return 0;
        }
        long n = vc.numTokens() + (m == null ? 0 : m.promptTokensAt(at));
        return F32 * batch * n * vc.embedDim();
    }

    /** Saved activations of one SETR-PUP head (its tap aside, {@link #tap}) and its loss, labels at {@code crop}². */
    static long head(SetrPup pup, int grid, int batch, int crop) {
        long b = batch;
        long s = grid;
        long c = pup.channels();
        long floats = 2 * b * s * s + b * pup.inDim() * s * s;                  // mean, rstd; the LayerNorm output
        for (int i = 0; i < pup.convs(); i++) {
            floats += 3 * b * c * s * s + c;                             // centred, normalised, ReLU; the std
            s *= pup.upScale();
            floats += b * c * s * s;                                     // up-sampled: the next conv's input
        }
        floats += 2 * b * pup.classes() * (long) crop * crop;          // log-softmax and the one-hot target
        return F32 * floats;
    }
}
