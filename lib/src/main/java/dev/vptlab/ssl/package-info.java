/**
 * Small-scale but real pretraining of the tiny trunk ({@code vit_tiny12_fmnist}: 32×32 grey inputs,
 * patch 4, width 48, depth 12, 3 heads) on Fashion-MNIST's 60,000 training images, so that the prompt
 * methods have MAE-, MoCo v3- and supervised-pretrained backbones of their own to adapt.
 *
 * <ul>
 *   <li>{@link dev.vptlab.ssl.MaePretraining}: He et al. 2022, masked autoencoding (75 % masking, light
 *       decoder, normalised-pixel loss on masked patches).</li>
 *   <li>{@link dev.vptlab.ssl.MocoV3Pretraining}: Chen, Xie, He 2021, momentum contrast with a predictor,
 *       symmetric InfoNCE at τ = 0.2.</li>
 *   <li>{@link dev.vptlab.ssl.SupervisedPretraining}: CLS + linear head, cross-entropy.</li>
 *   <li>{@link dev.vptlab.ssl.Pretrainer}: the shared loop (data, AdamW, warm-up + cosine per step, seeding,
 *       memory scopes, logging) and {@link dev.vptlab.ssl.TrunkFile}: the trunk-only safetensors output
 *       with the metadata {@code BackboneLoader} needs, plus a manifest.</li>
 *   <li>{@link dev.vptlab.ssl.LinearProbe}: frozen features + host logistic regression, to check that a
 *       pretrained trunk beats a randomly initialised one.</li>
 * </ul>
 * Every class says what it reduces relative to the paper's recipe; nothing here is copied from the
 * public implementations.
 */
package dev.vptlab.ssl;
