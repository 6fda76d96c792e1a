package dev.vptlab.report;

import dev.vptlab.prompt.VptDeep;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;

/**
 * Forward cost per image of each prompt method, computed (not measured) from the formulas of {@link Macs}:
 * <ul>
 *   <li>VPT-deep and Gated PT: patch embedding + L·block(N + P) (the P prompts are in the sequence of every block;
 *       VPT-deep replacing them between blocks costs no products)</li>
 *   <li>VPT-shallow entering before block k: patch embedding + (k − 1)·block(N) + (L − k + 1)·block(N + P)</li>
 *   <li>CVPT: the backbone's self-attention over N tokens, plus in each of the L blocks the cross-attention branch
 *       (N queries, P keys/values, the block's frozen weights reused)</li>
 * </ul>
 * Not counted, beyond what {@link Macs} leaves out: gates and temperatures, pooling and the head (D·C MACs, the
 * same for every method). CVPT's prompt K and V do not depend on the image and could be computed once per batch
 * at evaluation; like the upstream code, they are counted per image here. Spec cvpt.md §12's ViT-B/16 figures are
 * these MACs.
 */
public final class MethodMacs {
    private MethodMacs() {}

    /** Forward MACs per image of {@code m} on {@code c} (no head), as the method counts them. */
    public static long forwardMacs(VitConfig c, MethodConfig m) {
        return m.forwardMacs(c);
    }

    /** Forward FLOPs per image (2 per multiply-add), in units of 10⁹. */
    public static double forwardGflops(VitConfig c, MethodConfig m) {
        return 2.0 * forwardMacs(c, m) / 1e9;
    }

    /**
     * The smallest P in 1..{@code maxPrompts} from which CVPT's forward costs no more than VPT-deep's (by the
     * formula; the difference grows with P), or −1 if none.
     */
    public static int cvptNoCostlierFrom(VitConfig c, int maxPrompts) {
        for (int p = 1; p <= maxPrompts; p++) {
            if (CrossVisualPrompts.Config.of(p).forwardMacs(c) <= VptDeep.Config.of(p).forwardMacs(c)) {
                return p;
            }
        }
        return -1;
    }
}
