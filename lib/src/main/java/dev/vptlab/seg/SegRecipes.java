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

    private SegRecipes() {}

    /** The ADE20K run of {@code recipe} on {@code backbone}, reading {@code data}. */
    public static SegConfig ade20k(String recipe, String backbone, String data) {
        int depth = java.nio.file.Files.isRegularFile(java.nio.file.Path.of(backbone))
                ? dev.vptlab.checkpoint.Checkpoint.read(java.nio.file.Path.of(backbone)).architecture().shapes().depth() : 12;
        return new SegConfig("ade20k", data, backbone, null, method(recipe, 10), taps(depth), 256, 4, 2, 2, 4, 150,
                160_000, 16_000, 16, 1e-3, 10, 0.9, 0, 0.4, 512, 341, false, 42, 0, 0);
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
     * batch 16, {@code iterations} steps. Our choices for the CPU scale: the mini study's prompt counts (10 gated
     * prompts with gate init 1, as its classification runs; 5 per block for VPT-deep and CVPT) and lr 4e-2 with the heads
     * ×10 (gated: 4e-3, heads ×100, so its heads train at the same 0.4):
     * the papers' 1e-3 is set for 160k iterations, a mini run has a few hundred. With the heads at 0.5, about one run in
     * ten diverged (head only, VPT-deep and gated alike); at 0.3 and 0.4 none of 16 did.
     */
    public static SegConfig mini(String recipe, String backbone, long iterations) {
        MethodConfig m = switch (recipe) {
            case "gated" -> GatedPrompts.Config.of(10).withGates(1f, true, true);
            case "vpt-shallow" -> VptShallow.Config.of(10);
            case "vpt-deep", "cvpt", "head-only" -> method(recipe, 5);
            default -> method(recipe, 5); // refuses an unknown recipe
        };
        // Gated prompts, gates and τ at 4e-3 with the heads at 0.4 like every other mini run (×100): with the heads at
        // 0.3–0.5 and the prompts at 1e-2..5e-2, gated runs on the MoCo v3 trunk diverged (NaN at iterations 39–300).
        boolean gated = recipe.equals("gated");
        return new SegConfig("fm-seg", null, backbone, null, m, new int[] {4, 8, 11}, 64, 2, 2, 1, 4, 11,
                iterations, iterations, 16, gated ? 4e-3 : 4e-2, gated ? 100 : 10, 0.9, 0, 0.4, 32, 21, false, 42, 0, 0);
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
