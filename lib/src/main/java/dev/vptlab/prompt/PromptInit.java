package dev.vptlab.prompt;

import dev.vptlab.model.VitConfig;

/** Initialisation bounds of the prompt tensors, as the official code computes them. */
public final class PromptInit {
    private PromptInit() {}

    /**
     * VPT / Gated PT: a Xavier bound whose fan-in is the patch convolution's (C·p·p) and whose fan-out is
     * the width, √(6 / (3·16·16 + 768)) = 0.0625 for ViT-B/16 (VPT code, kept in the GatedPT fork:
     * {@code vit_prompt/vit_mae.py}, {@code PromptedVisionTransformer.__init__}, which calls it "xavier_uniform").
     */
    public static float vptBound(VitConfig c) {
        return (float) Math.sqrt(6.0 / (c.inChannels() * c.patchSize() * c.patchSize() + c.embedDim()));
    }

    /**
     * CVPT: PyTorch {@code xavier_uniform_} on the 3-D [L, M, D] tensor, fan_in = M·D, fan_out = L·D, so
     * a = √(6 / (D·(M + L))); 0.01884 for M = 10 on ViT-B (official CVPT code, {@code CVPT.py},
     * {@code CVPT.__init__}: {@code xavier_uniform_(self.Prompt_Tokens)}). Unlike VPT's, the bound depends on M.
     */
    public static float xavier3dBound(int depth, int numPrompts, int dim) {
        return (float) Math.sqrt(6.0 / ((double) numPrompts * dim + (double) depth * dim));
    }
}
