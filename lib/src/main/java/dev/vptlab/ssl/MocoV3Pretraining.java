package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import dev.vptlab.data.Transform;
import dev.vptlab.model.InPlace;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.task.Losses;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MoCo v3 (Chen, Xie, He, "An Empirical Study of Training Self-Supervised Vision Transformers", ICCV
 * 2021), following {@code moco/builder.py} ({@code MoCo_ViT}): query branch trunk → projector → predictor,
 * momentum branch a copy of trunk → projector updated as k ← m·k + (1 − m)·q before each step's keys
 * ({@link MomentumUpdate}; m from 0.99 to 1 on a cosine), the CLS token after the final norm as the
 * representation, loss ctr(q₁, k₂) + ctr(q₂, k₁) with ctr(q, k) = CE(q̂·k̂ᵀ / τ, diag) · 2τ, τ = 0.2, and a
 * fixed 2-D sin-cos position embedding. Both views pass through each trunk as one batch; the heads see each
 * view on its own, so their BatchNorm statistics are per view as upstream's. Views:
 * {@link Augmentations#mocoView}.
 *
 * <p>Reduced for small scale: heads of upstream's structure with hidden width 256 and output 64 instead of
 * 4096 and 256 ({@link ProjectionMlp}); their BatchNorms matter (with LayerNorm instead, the trunk's linear
 * probe ended 1–4 points below a random trunk's). The patch embedding is trained by default (upstream freezes
 * it, {@code --stop-grad-conv1}; the six-argument constructor does). The CLS token of the embedded trunk is no
 * better than a random trunk's while the patch mean is, so {@link #probePooling} is the patch mean;
 * docs/embedded-backbones.md has the measurements.
 */
public final class MocoV3Pretraining extends PretrainingMethod {
    public static final float TEMPERATURE = 0.2f;
    public static final double MOMENTUM = 0.99;
    public static final int HIDDEN = 256;
    public static final int OUT = 64;

    private final VisionTransformer momentumVit;
    private final ProjectionMlp projector;
    private final ProjectionMlp momentumProjector;
    private final ProjectionMlp predictor;
    private final Transform augmentation;
    private final Map<String, NDArray> online = new LinkedHashMap<>();
    private final Map<String, NDArray> momentum = new LinkedHashMap<>();
    private final double m0;
    private final boolean cosineMomentum;
    private double lastMomentum = Double.NaN;

    public MocoV3Pretraining(VitConfig config, NDManager m) {
        this(config, m, MOMENTUM, true, Augmentations.mocoView());
    }

    /**
     * @param cosineMomentum false keeps m = m0 throughout
     * @param views the augmentation drawn independently for each of the two views
     */
    public MocoV3Pretraining(VitConfig config, NDManager m, double m0, boolean cosineMomentum, Transform views) {
        this(config, m, m0, cosineMomentum, views, false);
    }

    /**
     * @param freezePatchEmbed keep the random patch projection fixed (upstream's {@code --stop-grad-conv1})
     */
    public MocoV3Pretraining(VitConfig config, NDManager m, double m0, boolean cosineMomentum, Transform views,
            boolean freezePatchEmbed) {
        super("mocov3", Pooling.MEAN_PATCHES, Trunks.trainable(config, m, false), m);
        this.augmentation = views;
        this.m0 = m0;
        this.cosineMomentum = cosineMomentum;
        if (freezePatchEmbed) {
            vit.namedParameters().get("patch_embed.proj.weight").freeze(true);
            vit.namedParameters().get("patch_embed.proj.bias").freeze(true);
        }
        projector = new ProjectionMlp(m, 3, config.embedDim(), HIDDEN, OUT, true, "projector");
        predictor = new ProjectionMlp(m, 2, OUT, HIDDEN, OUT, false, "predictor");
        momentumVit = VisionTransformer.create(config, m);
        momentumProjector = new ProjectionMlp(m, 3, config.embedDim(), HIDDEN, OUT, true, "momentum_projector");

        vit.namedParameters().forEach((n, p) -> online.put("encoder." + n, p.getArray()));
        projector.parameters().forEach(online::put);
        momentumVit.namedParameters().forEach((n, p) -> momentum.put("encoder." + n, p.getArray()));
        momentumProjector.parameters().forEach((n, a) -> momentum.put(n.substring("momentum_".length()), a));
        momentum.values().forEach(a -> a.setRequiresGradient(false));
        online.forEach((n, q) -> InPlace.copy(momentum.get(n), q)); // param_k.data.copy_(param_q.data)

        modules.putAll(projector.parameters());
        modules.putAll(predictor.parameters());
    }

    /** The momentum encoder's tensors (trunk under "encoder.", projector under "projector."). */
    public Map<String, NDArray> momentumParameters() {
        return Collections.unmodifiableMap(momentum);
    }

    /** The last momentum used (NaN before the first step). */
    public double lastMomentum() {
        return lastMomentum;
    }

    @Override
    public void beforeStep(long step, long totalSteps) {
        lastMomentum = cosineMomentum ? MomentumUpdate.cosine(m0, step, totalSteps) : m0;
        MomentumUpdate.apply(online, momentum, lastMomentum);
    }

    @Override
    public NDArray loss(Batch batch) {
        return loss(batch.images(augmentation, 0), batch.images(augmentation, 1));
    }

    /**
     * The symmetrised contrastive loss of two views [B, C, H, W] of the same images. Both views go through
     * each trunk as one batch of 2B (the trunk has no batch-coupled layers, so this only saves calls); the
     * projector and predictor see each view's B rows separately, so their BatchNorm statistics are per
     * view, as upstream's {@code self.predictor(self.base_encoder(x1))}.
     */
    public NDArray loss(NDArray x1, NDArray x2) {
        long b = x1.getShape().get(0);
        NDArray both = NDArrays.concat(new NDList(x1, x2), 0);
        NDArray h = Trunks.cls(vit, ps, both, true);
        NDArray q1 = predictor.forward(projector.forward(h.get("0:" + b)));
        NDArray q2 = predictor.forward(projector.forward(h.get(b + ":")));
        NDArray k1;
        NDArray k2;
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false); // torch.no_grad() around the momentum branch
        try {
            NDArray hk = Trunks.cls(momentumVit, ps, both, false);
            k1 = momentumProjector.forward(hk.get("0:" + b));
            k2 = momentumProjector.forward(hk.get(b + ":"));
        } finally {
            JniUtils.setGradMode(was);
        }
        return contrastive(q1, k2).add(contrastive(q2, k1));
    }

    /** ctr(q, k) = CE(q̂ k̂ᵀ / τ, [0 … B−1]) · 2τ. */
    static NDArray contrastive(NDArray q, NDArray k) {
        NDManager m = q.getManager();
        NDArray logits = l2normalise(q).matMul(l2normalise(k).transpose()).mul(m.full(new Shape(), 1f / TEMPERATURE));
        long b = q.getShape().get(0);
        NDArray labels = m.arange(0, b, 1, DataType.INT64);
        return Losses.crossEntropy(logits, labels).mul(m.full(new Shape(), 2f * TEMPERATURE));
    }

    /** {@code F.normalize(x, dim=1)}: x / max(‖x‖, 1e-12) — here x / (‖x‖ + 1e-12). */
    static NDArray l2normalise(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt().add(1e-12f));
    }

    /** The trunk parameter objects (for tests). */
    Map<String, Parameter> trunkParameters() {
        return vit.namedParameters();
    }
}
