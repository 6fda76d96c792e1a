package dev.vptlab.seg;

import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.VptDeep;
import dev.vptlab.prompt.VptShallow;

/**
 * Analytic training memory of one segmentation iteration in float32 (our estimate): the bytes of the tensors
 * PyTorch's autograd keeps for the backward pass of this implementation's op sequence, unique storages counted
 * once, frozen parameters and 0-d scalars not counted; plus parameter, gradient and SGD momentum of every
 * trainable tensor. Checked op by op against PyTorch's {@code saved_tensors_hooks} on a tiny configuration
 * ({@code SegMemoryTest}).
 *
 * <p>Per backbone block on the gradient path (B images, N tokens, width D, H heads, MLP width F): LayerNorm saves
 * its input, mean and rstd (twice); the attention's Q and Kᵀ and V are non-contiguous views that matmul copies
 * before saving (3·BND); softmax saves its output (BHN²), and a learnable temperature (Gated PT) makes the
 * division save the scaled logits too (another BHN²); GELU saves its input (BNF). A frozen Linear saves only its
 * weight. A dropout (prompt dropout, CVPT's backbone {@code drop_rate}) saves its mask; Gated PT's gate saves the
 * block output. CVPT's cross-attention (position 3) saves Q, Kᵀ, V and its softmax over the prompts. Head only runs
 * nothing trainable in the trunk, so the trunk saves nothing; VPT-shallow's blocks before its insertion neither.
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

    /** The estimate for a batch of {@code batch} crops; {@code vc} already at the crop size. */
    public static SegMemory of(VitConfig vc, SegConfig cfg, int batch) {
        int d = vc.embedDim();
        long heads = 0;
        int g = vc.gridSize();
        heads += head(cfg.decodeHead(d), g, batch, cfg.crop());
        heads += (long) (cfg.taps().length - 1) * head(cfg.auxHead(d), g, batch, cfg.crop());
        for (int j = 0; j < cfg.taps().length; j++) {
            heads += tap(vc, cfg, j, batch);
        }
        long params = cfg.decodeHead(d).parameterCount() + (long) (cfg.taps().length - 1) * cfg.auxHead(d).parameterCount()
                + methodParameters(vc, cfg.method());
        return new SegMemory(backbone(vc, cfg, batch), heads, 3 * F32 * params);
    }

    /** Trainable tensors of a method on {@code vc} (0 for head only). */
    public static long methodParameters(VitConfig vc, MethodConfig m) {
        long d = vc.embedDim();
        int depth = vc.depth();
        if (m == null) {
            return 0;
        }
        if (m instanceof VptDeep.Config c) {
            return (long) depth * c.prompts() * d;
        }
        if (m instanceof VptShallow.Config c) {
            return c.prompts() * d;
        }
        if (m instanceof GatedPrompts.Config c) {
            return c.prompts() * d + (c.gates() ? depth - 1 : 0) + (c.temperature() ? depth : 0);
        }
        if (m instanceof CrossVisualPrompts.Config c) {
            long own = c.weights() == CrossVisualPrompts.Weights.SHARED_FROZEN ? 0 : depth * (4 * d * d + 4 * d);
            return (long) depth * c.prompts() * d + own;
        }
        throw new IllegalArgumentException("no memory model for method " + m.id());
    }

    /** Saved activations of the trunk up to the last tap. */
    static long backbone(VitConfig vc, SegConfig cfg, int batch) {
        MethodConfig m = cfg.method();
        if (m == null) {
            return 0;
        }
        long b = batch;
        long d = vc.embedDim();
        long h = vc.numHeads();
        long f = vc.mlpHidden();
        int last = cfg.taps()[cfg.taps().length - 1];
        long p = m.prompts();
        boolean cvpt = m instanceof CrossVisualPrompts.Config;
        int start = m instanceof VptShallow.Config s ? s.insertBlock() - 1 : 0;
        long floats = 0;
        for (int i = start; i <= last; i++) {
            long n = vc.numTokens() + (cvpt ? 0 : p);
            long ln = b * n * d + 2 * b * n;
            long attention = 3 * b * n * d + b * h * n * n;
            long block = ln + attention + ln + b * n * f;
            if (m instanceof VptDeep.Config c) {
                block += c.dropout() > 0 ? b * p * d : 0;
            } else if (m instanceof VptShallow.Config c) {
                block += c.dropout() > 0 && i == start ? b * p * d : 0;
            } else if (m instanceof GatedPrompts.Config c) {
                block += c.dropout() > 0 && i == 0 ? b * p * d : 0;
                block += c.temperature() ? b * h * n * n : 0;            // div by τ keeps the scaled logits
                block += c.gates() && i < vc.depth() - 1 ? b * n * d : 0; // gate · block output keeps the output
            } else if (m instanceof CrossVisualPrompts.Config c) {
                boolean drop = c.dropRate() > 0;
                if (i == 0) {
                    block -= ln + attention;                             // nothing trainable before block 0's branch
                }
                long masks = drop ? (i == 0 ? 0 : b * n * d) + b * n * f + b * n * d + b * n * d : 0;
                long cross = b * n * d + (i == 0 ? 0 : b * p * d) + b * p * d + b * h * n * p;
                block += masks + cross + (c.dropout() > 0 ? b * p * d : 0);
            }
            floats += block;
        }
        return F32 * floats;
    }

    /**
     * The tap LayerNorm saves: a view of block {@code taps[j]}'s output [B, N, D] (prompts included), counted here
     * unless the trunk already keeps that storage as the next block's LayerNorm input (Gated PT, CVPT, VPT-shallow
     * after its insertion; VPT-deep puts a new sequence into every block).
     */
    static long tap(VitConfig vc, SegConfig cfg, int j, int batch) {
        MethodConfig m = cfg.method();
        int[] taps = cfg.taps();
        int at = taps[j];
        boolean last = j == taps.length - 1;
        long n = vc.numTokens();
        boolean shared = false;
        if (m instanceof GatedPrompts.Config) {
            n += m.prompts();
            shared = !last;
        } else if (m instanceof CrossVisualPrompts.Config) {
            shared = !last;
        } else if (m instanceof VptDeep.Config) {
            n += m.prompts();
        } else if (m instanceof VptShallow.Config s) {
            boolean in = at >= s.insertBlock() - 1;
            n += in ? m.prompts() : 0;
            shared = in && !last;
        }
        return shared ? 0 : F32 * batch * n * vc.embedDim();
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
