package dev.vptlab.seg;

import dev.vptlab.model.Macs;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.NoPrompts;

/**
 * Analytic cost of a segmentation model per image, in multiply-accumulates ({@link Macs}' convention: matrix
 * products and convolutions only; a multiply-add is 2 FLOPs).
 *
 * <p>Training: the frozen backbone's backward computes only activation gradients (about one forward's worth), the
 * heads' backward activation and weight gradients (two forwards' worth), so an iteration costs
 * 2·backbone + 3·heads per image; head only (nothing trainable in the trunk, no backward through it) costs
 * backbone + 3·heads.
 */
public final class SegMacs {
    private SegMacs() {}

    /** The prompted backbone's forward at the crop size ({@code vc} already at it) up to the last tap. */
    public static long backbone(VitConfig vc, SegConfig cfg) {
        if (cfg.method() == null) {
            return Macs.backbone(vc);
        }
        return cfg.method().forwardMacs(vc);
    }

    /** Decode head plus every auxiliary head at the trunk's grid. */
    public static long heads(VitConfig vc, SegConfig cfg) {
        int d = (int) vc.embedDim();
        return cfg.decodeHead(d).macs(vc.gridSize()) + (long) (cfg.taps().length - 1) * cfg.auxHead(d).macs(vc.gridSize());
    }

    /** Inference forward per image (all heads, as the training forward runs them). */
    public static long forward(VitConfig vc, SegConfig cfg) {
        return backbone(vc, cfg) + heads(vc, cfg);
    }

    /** One training iteration per image: 2·backbone + 3·heads (head only: backbone + 3·heads). */
    public static long train(VitConfig vc, SegConfig cfg) {
        return (cfg.method() == null ? 1 : 2) * backbone(vc, cfg) + 3 * heads(vc, cfg);
    }

    /** The method's id for tables ({@code head-only} when none). */
    static String id(SegConfig cfg) {
        return cfg.method() == null ? NoPrompts.ID : cfg.method().id();
    }
}
