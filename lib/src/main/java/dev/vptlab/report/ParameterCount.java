package dev.vptlab.report;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;

/**
 * Trainable, prompt-only and total parameter counts of a prompt method, counted on the built model
 * ({@link MethodConfig#model}, random weights, CLS pooling, a {@code classes}-way head).
 *
 * @param trainable {@link PromptedVit#trainableCount()}: prompts, gates and temperatures where the method has them,
 *     CVPT's own cross-attention weights in its learnable variants, and the head
 * @param prompts the "prompts" group of {@link PromptedVit#parameterGroups()}
 * @param total {@code trainable} plus the size of every tensor of the built frozen trunk
 */
public record ParameterCount(long trainable, long prompts, long total) {
    /** Builds {@code m} on a random {@code c} trunk with a {@code classes}-way head and counts its parameters. */
    public static ParameterCount of(VitConfig c, MethodConfig m, int classes) {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(c, manager);
            return of(vit, m, classes, manager);
        }
    }

    /** {@code m} built on {@code vit} (in a sub-manager of {@code parent}, closed before returning), counted. */
    static ParameterCount of(VisionTransformer vit, MethodConfig m, int classes, NDManager parent) {
        long trunk = vit.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        try (NDManager sub = parent.newSubManager()) {
            PromptedVit model = m.model(vit, sub, Pooling.CLS, classes);
            long trainable = model.trainableCount();
            long prompts = model.parameterGroups().getOrDefault("prompts", 0L);
            return new ParameterCount(trainable, prompts, trunk + trainable);
        }
    }
}
