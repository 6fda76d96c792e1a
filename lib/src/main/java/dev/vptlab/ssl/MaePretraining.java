package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.vptlab.data.Transform;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.EncoderBlock;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import java.util.ArrayList;
import java.util.List;

/**
 * Masked autoencoder pretraining (He et al., "Masked Autoencoders Are Scalable Vision Learners",
 * CVPR 2022), following {@code models_mae.py}:
 * <ol>
 *   <li>patch embedding + sin-cos position embedding on all 64 patches, then per-sample random masking of
 *       75 % ({@link RandomMasking}); the CLS token (+ its zero position) is prepended to the 16 visible
 *       tokens;</li>
 *   <li>the encoder is the trunk's 12 blocks and final norm;</li>
 *   <li>a light decoder: Linear(D → d), mask tokens inserted and un-shuffled, fixed sin-cos decoder
 *       position embedding, decoder blocks, LayerNorm, Linear(d → p²·C) per patch;</li>
 *   <li>loss: per-patch MSE, averaged over the masked patches only, against per-patch normalised pixels
 *       ({@code norm_pix_loss}: (t − mean) / √(var + 1e-6), unbiased var as torch's {@code var}).</li>
 * </ol>
 * Reduced for small scale: the decoder is width 32, depth 2, 2 heads, MLP 128 (upstream 512, 8, 16,
 * 2048); its blocks are {@link EncoderBlock}s of their own {@link VitConfig}. Augmentation is
 * {@link Augmentations#translateFlip} instead of RandomResizedCrop(0.2–1) (see there). Mask token N(0, 0.02²),
 * Linear layers Xavier-uniform, as upstream. Linear probing pools the mean of the patch tokens, then the
 * final norm ({@code global_pool}, as the MAE paper's linear probe).
 */
public final class MaePretraining extends PretrainingMethod {
    public static final float MASK_RATIO = 0.75f;
    public static final int DECODER_DIM = 32;
    public static final int DECODER_DEPTH = 2;
    public static final int DECODER_HEADS = 2;

    private final VitConfig decoderConfig;
    private final Dense decoderEmbed;
    private final NDArray maskToken;
    private final NDArray decoderPos;
    private final List<EncoderBlock> decoderBlocks = new ArrayList<>();
    private final Norm decoderNorm;
    private final Dense decoderPred;
    private final Transform augmentation = Augmentations.translateFlip(2);

    public MaePretraining(VitConfig config, NDManager m) {
        super("mae", Pooling.MEAN_PATCHES, Trunks.trainable(config, m, false), m);
        this.decoderConfig = new VitConfig("mae_decoder", config.imageSize(), config.patchSize(), config.inChannels(),
                DECODER_DIM, DECODER_DEPTH, DECODER_HEADS, 4 * DECODER_DIM, true, VitConfig.LN_EPS);
        decoderEmbed = new Dense(m, config.embedDim(), DECODER_DIM, "decoder_embed");
        decoderEmbed.collect(modules);
        maskToken = m.zeros(new Shape(1, 1, DECODER_DIM));
        WeightInit.normal(maskToken, 0.02f, m);
        maskToken.setName("mask_token");
        maskToken.setRequiresGradient(true);
        modules.put("mask_token", maskToken);
        decoderPos = m.create(SinCosPosEmbed.table(config.gridSize(), DECODER_DIM, true),
                new Shape(1, decoderConfig.numTokens(), DECODER_DIM));
        for (int i = 0; i < DECODER_DEPTH; i++) {
            EncoderBlock b = new EncoderBlock(decoderConfig);
            b.initialize(m, DataType.FLOAT32, new Shape(1, decoderConfig.numTokens(), DECODER_DIM));
            b.freezeParameters(false);
            for (Pair<String, Parameter> p : b.getParameters()) {
                NDArray a = p.getValue().getArray();
                if (a.getShape().dimension() >= 2) {
                    WeightInit.xavierUniform(a, m);
                } else if (p.getKey().endsWith("bias") || p.getKey().endsWith("beta")) {
                    WeightInit.fill(a, 0f, m);
                }
                modules.put("decoder_blocks." + i + "." + p.getKey(), a);
            }
            decoderBlocks.add(b);
        }
        decoderNorm = new Norm(m, DECODER_DIM, "decoder_norm");
        decoderNorm.collect(modules);
        int perPatch = config.patchSize() * config.patchSize() * config.inChannels();
        decoderPred = new Dense(m, DECODER_DIM, perPatch, "decoder_pred");
        decoderPred.collect(modules);
    }

    @Override
    public NDArray loss(Batch batch) {
        NDArray images = batch.images(augmentation, 0);
        RandomMasking mask = RandomMasking.draw(batch.manager(), batch.size(), vit.config().numPatches(), MASK_RATIO);
        return loss(images, mask);
    }

    /** The masked-patch loss of images [B, C, H, W] under a given masking. */
    public NDArray loss(NDArray images, RandomMasking mask) {
        NDArray pred = predict(images, mask);
        NDArray target = normalisedPatches(images);
        NDArray perPatch = pred.sub(target).square().mean(new int[] {2});
        return perPatch.mul(mask.mask()).sum().div(mask.mask().sum());
    }

    /** Encoder on the visible patches: [B, 1 + K, D] after the final norm. */
    public NDArray encode(NDArray images, RandomMasking mask) {
        NDArray x = vit.embed(ps, images, true);
        NDArray cls = x.get(":, :1, :");
        NDArray visible = mask.keep(x.get(":, 1:, :"));
        return Trunks.encode(vit, ps, NDArrays.concat(new NDList(cls, visible), 1), true);
    }

    /** Pixel predictions for every patch, [B, L, p²·C], in the original patch order. */
    public NDArray predict(NDArray images, RandomMasking mask) {
        NDArray y = decoderEmbed.forward(encode(images, mask));
        long b = y.getShape().get(0);
        long hidden = vit.config().numPatches() - mask.kept();
        NDArray tokens = NDArrays.concat(new NDList(y.get(":, 1:, :"), maskToken.broadcast(b, hidden, DECODER_DIM)), 1);
        NDArray seq = NDArrays.concat(new NDList(y.get(":, :1, :"), mask.restore(tokens)), 1).add(decoderPos);
        for (EncoderBlock block : decoderBlocks) {
            seq = block.forward(ps, seq, BlockOptions.PLAIN, true);
        }
        return decoderPred.forward(decoderNorm.forward(seq)).get(":, 1:, :");
    }

    /** MAE's {@code patchify} [B, C, H, W] → [B, L, p²·C] (row-major patches, pixels (py, px, c)), then per-patch normalisation. */
    NDArray normalisedPatches(NDArray images) {
        NDArray t = patchify(images, vit.config());
        NDArray mean = t.mean(new int[] {2}, true);
        long n = t.getShape().get(2);
        NDArray centred = t.sub(mean);
        NDArray var = centred.square().sum(new int[] {2}, true).div(n - 1);
        return centred.div(var.add(1e-6f).sqrt());
    }

    static NDArray patchify(NDArray images, VitConfig c) {
        long b = images.getShape().get(0);
        int p = c.patchSize();
        int g = c.gridSize();
        return images.reshape(b, c.inChannels(), g, p, g, p).transpose(0, 2, 4, 3, 5, 1)
                .reshape(b, (long) g * g, (long) p * p * c.inChannels());
    }
}
