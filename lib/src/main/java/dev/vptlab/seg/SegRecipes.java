package dev.vptlab.seg;

import dev.vptlab.VptlabException;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.VptDeep;
import dev.vptlab.prompt.VptShallow;
import java.util.List;

/**
 * The papers' ADE20K recipes and the mini benchmark's {@code fm-seg} version of them.
 *
 * <p>ADE20K: Gated PT Table 5 (ViT-B/16 MAE or MoCo v3: 100 gated prompts, gate init 10, batch 16, lr 1e-3), its
 * Table 3 baselines (VPT-shallow 100 prompts, VPT-deep 10 per block), and CVPT's released config (ViT-L/16: 10 prompts
 * per block at position 3, prompt dropout 0.1, backbone {@code drop_rate=0.1}); VPT's "head only" row. Taps (0-based): ViT-B 4, 8 (auxiliary) and 11
 * (decode) — the paper's "5th and 9th" blocks, the decode tap on the last block ours; ViT-L 9, 14, 19 and 23 as
 * CVPT's {@code out_indices}. Heads, optimiser and schedule: mmseg v0.15.0's SETR-PUP ADE20K config.
 */
public final class SegRecipes {
    /** The recipe names {@code vptlab train --task ade20k --recipe} takes. */
    public static final List<String> NAMES = List.of("gated", "vpt-deep", "vpt-shallow", "cvpt", "head-only");

    /** The backbone's {@code drop_rate} in CVPT's released ADE20K config (see {@link #method}). */
    public static final float CVPT_DROP_RATE = 0.1f;

    /** The mini recipe's lr for the prompts, gates and τ (see {@link #mini}). */
    public static final double MINI_PROMPT_LR = 4;

    /** The mini recipe's lr for the heads (see {@link #mini}). */
    public static final double MINI_HEAD_LR = 0.4;

    private SegRecipes() {}

    /** The ADE20K run of {@code recipe} on {@code backbone}, reading {@code data}. */
    public static SegConfig ade20k(String recipe, String backbone, String data) {
        int depth = java.nio.file.Files.isRegularFile(java.nio.file.Path.of(backbone))
                ? dev.vptlab.checkpoint.Checkpoint.read(java.nio.file.Path.of(backbone)).architecture().shapes().depth() : 12;
        return new SegConfig("ade20k", data, backbone, null, method(recipe, 10), taps(depth), 256, 4, 2, 2, 4, 150,
                160_000, 16_000, 16, 1e-3, 10, 0.9, 0, 0.4, 512, 341, false, 42, 0, 0, SegConfig.TEST);
    }

    /**
     * The taps of a trunk of {@code depth} blocks: ViT-B (12) 4, 8, 11 as Gated PT; ViT-L (24) 9, 14, 19, 23 as CVPT's
     * {@code out_indices}; other depths 2 auxiliary taps at a third and two thirds, the decode tap on the last block.
     */
    public static int[] taps(int depth) {
        return switch (depth) {
            case 12 -> new int[] {4, 8, 11};
            case 24 -> new int[] {9, 14, 19, 23};
            default -> new int[] {depth / 3, 2 * depth / 3, depth - 1};
        };
    }

    /**
     * The mini benchmark's {@code fm-seg} (1×32×32 canvases, 11 classes) on a 12-block embedded trunk (patch 4, an 8×8
     * grid): the same taps, heads of 64 channels with fewer up-sampling steps (decode 2 × ×2, auxiliary 1 × ×4: 8 → 32),
     * batch 16, {@code iterations} steps. Our choices for the CPU scale, each measured on paired runs:
     * <ul>
     *   <li>the mini study's prompt counts (10 gated prompts with gate init 1, as its classification runs; 5 per block
     *       for VPT-deep and CVPT);
     *   <li>the heads at lr 0.4 ({@link #MINI_HEAD_LR}): at 0.5 about one run in ten diverged;
     *   <li>the prompts (and the gates and τ) at lr 4 ({@link #MINI_PROMPT_LR}), ten times the heads: the reverse of
     *       mmseg's ×10 for the heads. A prompt reaches the loss only through the attention it receives (the taps
     *       drop it), so its gradient is small: at 4e-2 (mmseg's ratio to the heads' 0.4) the deep prompts ended a
     *       400-iteration run inside their initial range and the method scored as head only. 0.04, 0.4, 4 and 40 gave
     *       MAE VPT-deep 14.8, 15.7, 20.8 and 20.6 mIoU at seed 42 (head only 15.0). Gated PT's own lr grid for
     *       prompts reaches 5 (App. A.2);
     *   <li>CVPT without backbone dropout: the embedded trunks were pretrained without it, and at width 48 CVPT's
     *       {@code drop_rate=0.1} cost it 2.7 mIoU on both trunks at seed 42. {@code --backbone-dropout 0.1} restores
     *       the released config's value; the ADE20K recipe keeps it.
     * </ul>
     */
    public static SegConfig mini(String recipe, String backbone, long iterations) {
        MethodConfig m = switch (recipe) {
            case "gated" -> GatedPrompts.Config.of(10).withGates(1f, true, true);
            case "vpt-shallow" -> VptShallow.Config.of(10);
            case "cvpt" -> ((CrossVisualPrompts.Config) method(recipe, 5)).withDropRate(0f);
            default -> method(recipe, 5); // vpt-deep, head-only; refuses an unknown recipe
        };
        return new SegConfig("fm-seg", null, backbone, null, m, new int[] {4, 8, 11}, 64, 2, 2, 1, 4, 11,
                iterations, iterations, 16, MINI_PROMPT_LR, MINI_HEAD_LR / MINI_PROMPT_LR, 0.9, 0, 0.4, 32, 21, false,
                42, 0, 0, SegConfig.TEST);
    }

    /**
     * The method of a recipe: {@code gated} (10·perBlock = 100 prompts, gates init 10, τ learnable), {@code vpt-deep}
     * ({@code perBlock} per block: "10x12" in Gated PT's Table 3), {@code vpt-shallow} (10·perBlock = 100, Table 3),
     * {@code cvpt} (perBlock = 10 per block as its config, position 3,
     * prompt dropout 0.1, cross-attention sharing the frozen self-attention weights, backbone dropout 0.1), or null for
     * {@code head-only}.
     *
     * <p>CVPT's backbone dropout: the released config builds its ViT-L with {@code drop_rate=0.1} and no
     * {@code drop_path_rate}, and the model trains in train mode, so a plain dropout of 0.1 stays active after the
     * position embedding, the attention projection, both MLP layers and the cross-attention's projection (attention
     * dropout 0, no drop-path). mmseg's own SETR-PUP ADE20K config builds the same ViT with {@code drop_rate=0}. The
     * recipe follows CVPT's config ({@link #CVPT_DROP_RATE}), the mini one too; {@code --backbone-dropout 0} trains
     * without it.
     */
    public static MethodConfig method(String recipe, int perBlock) {
        return switch (recipe) {
            case "gated" -> GatedPrompts.Config.of(10 * perBlock).withGates(10f, true, true);
            case "vpt-deep" -> VptDeep.Config.of(perBlock);
            case "vpt-shallow" -> VptShallow.Config.of(10 * perBlock);
            // No drop-path: mmseg's ViT in CVPT's config sets drop_rate (plain dropout), not drop_path_rate.
            case "cvpt" -> new CrossVisualPrompts.Config(perBlock, 0.1f, 3, 0f, CrossVisualPrompts.Weights.SHARED_FROZEN,
                    CVPT_DROP_RATE);
            case "head-only" -> null;
            default -> throw new VptlabException("unknown segmentation recipe '" + recipe + "'; known: " + String.join(", ", NAMES));
        };
    }
}
