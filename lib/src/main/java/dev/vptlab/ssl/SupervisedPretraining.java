package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.data.Transform;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.task.Losses;

/**
 * The supervised baseline the prompt-tuning papers start from (an ImageNet-21k classifier, here a
 * Fashion-MNIST one): the CLS token after the final norm, a Linear(D → 10) head, softmax cross-entropy
 * on the labels. Same trunk initialisation and optimiser as the self-supervised methods; the position
 * embedding starts from sin-cos but is learned (DeiT/timm learn it); augmentation is MAE's
 * ({@link Augmentations#translateFlip}). Only the trunk is saved, so the head is discarded, as the
 * prompt methods train a new one. Reduced for small scale: no label smoothing, mixup, cutmix,
 * RandAugment or stochastic depth (DeiT's recipe).
 */
public final class SupervisedPretraining extends PretrainingMethod {
    private final Dense head;
    private final Transform augmentation = Augmentations.translateFlip(2);

    public SupervisedPretraining(VitConfig config, NDManager m) {
        super("supervised", Pooling.CLS, Trunks.trainable(config, m, true), m);
        head = new Dense(m, config.embedDim(), 10, "head");
        head.collect(modules);
    }

    @Override
    public NDArray loss(Batch batch) {
        return loss(batch.images(augmentation, 0), batch.labels());
    }

    public NDArray loss(NDArray images, NDArray labels) {
        return Losses.crossEntropy(head.forward(Trunks.cls(vit, ps, images, true)), labels);
    }
}
