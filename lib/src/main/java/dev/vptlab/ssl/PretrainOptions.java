package dev.vptlab.ssl;

import dev.vptlab.VptlabException;

/**
 * The optimisation settings shared by the three pretraining methods.
 *
 * @param epochs passes over the training images
 * @param batchSize images per step (the last incomplete batch of an epoch is dropped, as upstream)
 * @param lr peak learning rate of AdamW (reached after the warm-up)
 * @param weightDecay AdamW's decoupled decay (0.05 as MAE; applied to ≥ 2-D weights only, as MAE's and
 *     timm's {@code add_weight_decay}: biases, norms, tokens and position embeddings are not decayed)
 * @param beta2 AdamW's β2: MAE uses 0.95, MoCo v3 and DeiT torch's 0.999
 * @param warmupFraction share of all steps spent in the linear warm-up from 0; a half cosine to 0 follows
 *     (MAE: 40 of 800 epochs, MoCo v3: 40 of 300; stepped per iteration, as both papers do)
 * @param seed seeds initialisation, shuffling, augmentation, masking
 * @param logEvery print a progress line every this many steps (0: never)
 */
public record PretrainOptions(int epochs, int batchSize, double lr, double weightDecay, double beta2,
        double warmupFraction, long seed, int logEvery) {
    public PretrainOptions {
        if (epochs < 1 || batchSize < 2) {
            throw new VptlabException("need epochs >= 1 and batch size >= 2, got " + epochs + ", " + batchSize);
        }
        if (!(lr > 0) || !(weightDecay >= 0) || !(beta2 > 0 && beta2 < 1)) {
            throw new VptlabException("need lr > 0, weight decay >= 0 and 0 < beta2 < 1, got " + lr + ", " + weightDecay
                    + ", " + beta2);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new VptlabException("warm-up fraction " + warmupFraction + " is outside [0, 1)");
        }
    }

    public PretrainOptions withLogEvery(int n) {
        return new PretrainOptions(epochs, batchSize, lr, weightDecay, beta2, warmupFraction, seed, n);
    }
}
