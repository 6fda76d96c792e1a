package dev.vptlab.prompt;

import dev.vptlab.model.VisionTransformer;

/**
 * The frozen backbone as it is, with nothing trainable in it: the "head only" baseline of VPT's tables (Jia et al.,
 * ECCV 2022, ADE20K table: only the SETR-PUP heads train). Not a registered method: it is what a task runs when its
 * config names no method.
 */
public final class NoPrompts extends PromptMethod {
    public static final String ID = "head-only";

    public NoPrompts(VisionTransformer vit) {
        super(vit);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int promptTokensInSequence() {
        return 0;
    }

    @Override
    public int firstTrainableBlock() {
        return depth; // every block is a fixed function of the image
    }
}
