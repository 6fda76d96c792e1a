package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SETR-PUP decode or auxiliary head (SETR, Zheng et al., CVPR 2021) as mmsegmentation v0.15.0's {@code SETRUPHead}
 * builds it, with {@code norm_cfg=dict(type='SyncBN')} run on one device (plain BatchNorm over the batch) and
 * {@code dropout_ratio=0}:
 * <pre>
 * x = LayerNorm(inDim, eps 1e-6) over each token of the [B, inDim, g, g] map
 * repeat convs: x = Upsample(×upScale, bilinear, align_corners False)(ReLU(BN(Conv3×3(x, padding 1, no bias))))
 * logits = Conv1×1(x, classes, bias)
 * </pre>
 * BatchNorm: eps 1e-5, momentum 0.1; in training the batch statistics over (B, H, W) normalise with the biased
 * variance, and the running statistics are updated outside autograd with the unbiased variance
 * ({@code torch.nn.BatchNorm2d}); in evaluation the running statistics normalise.
 *
 * <p>Initialisation as mmseg/mmcv do it: 3×3 convs Kaiming-normal, fan_out, ReLU gain (mmcv {@code ConvModule},
 * std = √(2/(channels·9))); BatchNorm and LayerNorm γ = 1, β = 0; running mean 0, running variance 1;
 * {@code conv_seg} N(0, 0.01²), bias 0 ({@code BaseDecodeHead.init_weights}). Values are drawn from the engine's
 * random generator, which the caller seeds.
 */
public final class SetrPupHead {
    static final float LN_EPS = 1e-6f;
    static final float BN_EPS = 1e-5f;
    static final float BN_MOMENTUM = 0.1f;

    private final SetrPup cfg;
    private final String prefix;
    private final NDArray normWeight;
    private final NDArray normBias;
    private final NDArray[] convWeight;
    private final NDArray[] bnWeight;
    private final NDArray[] bnBias;
    private final NDArray[] runningMean;
    private final NDArray[] runningVar;
    private final NDArray segWeight;
    private final NDArray segBias;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();

    /**
     * @param m manager that owns the head's tensors
     * @param prefix state-dict prefix of the head, e.g. {@code "decode_head."} or {@code "auxiliary_head.0."}; the
     *        arrays are named prefix + mmseg's name
     */
    public SetrPupHead(NDManager m, String prefix, SetrPup cfg) {
        this.cfg = cfg;
        this.prefix = prefix;
        int n = cfg.convs();
        int c = cfg.channels();
        normWeight = param("norm.weight", m.ones(new Shape(cfg.inDim())));
        normBias = param("norm.bias", m.zeros(new Shape(cfg.inDim())));
        convWeight = new NDArray[n];
        bnWeight = new NDArray[n];
        bnBias = new NDArray[n];
        runningMean = new NDArray[n];
        runningVar = new NDArray[n];
        float std = (float) Math.sqrt(2.0 / (c * 9.0));
        for (int i = 0; i < n; i++) {
            int in = i == 0 ? cfg.inDim() : c;
            String p = "up_convs." + i + ".0.";
            convWeight[i] = param(p + "conv.weight", m.randomNormal(0f, std, new Shape(c, in, 3, 3), DataType.FLOAT32));
            bnWeight[i] = param(p + "bn.weight", m.ones(new Shape(c)));
            bnBias[i] = param(p + "bn.bias", m.zeros(new Shape(c)));
        }
        segWeight = param("conv_seg.weight", m.randomNormal(0f, 0.01f, new Shape(cfg.classes(), c, 1, 1), DataType.FLOAT32));
        segBias = param("conv_seg.bias", m.zeros(new Shape(cfg.classes())));
        for (int i = 0; i < n; i++) {
            String p = "up_convs." + i + ".0.bn.";
            runningMean[i] = buffer(p + "running_mean", m.zeros(new Shape(c)));
            runningVar[i] = buffer(p + "running_var", m.ones(new Shape(c)));
        }
    }

    private NDArray param(String name, NDArray a) {
        a.setName(prefix + name);
        a.setRequiresGradient(true);
        parameters.put(name, a);
        return a;
    }

    private NDArray buffer(String name, NDArray a) {
        a.setName(prefix + name);
        buffers.put(name, a);
        return a;
    }

    public SetrPup config() {
        return cfg;
    }

    /** The state-dict prefix given at construction. */
    public String prefix() {
        return prefix;
    }

    /**
     * @param map [B, inDim, g, g] float32 (a backbone tap)
     * @param training batch statistics (and a running-statistics update) when true, running statistics when false
     * @return logits [B, classes, g·upScale^convs, g·upScale^convs]
     */
    public NDArray forward(NDArray map, boolean training) {
        Shape s = map.getShape();
        if (s.dimension() != 4 || s.get(1) != cfg.inDim()) {
            throw new IllegalArgumentException("SETR-PUP head wants [B, " + cfg.inDim() + ", g, g], got " + s);
        }
        long b = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        NDArray tokens = map.reshape(b, cfg.inDim(), h * w).transpose(0, 2, 1);
        NDArray x = LayerNorm.layerNorm(tokens, new Shape(cfg.inDim()), normWeight, normBias, LN_EPS).singletonOrThrow()
                .transpose(0, 2, 1).reshape(b, cfg.inDim(), h, w);
        Shape one = new Shape(1, 1);
        for (int i = 0; i < cfg.convs(); i++) {
            x = x.getNDArrayInternal().convolution(x, convWeight[i], null, one, one, one, 1).singletonOrThrow();
            x = batchNorm(i, x, training);
            x = Activation.relu(x);
            Shape xs = x.getShape();
            x = Bilinear.resize(x, Math.toIntExact(xs.get(2) * cfg.upScale()), Math.toIntExact(xs.get(3) * cfg.upScale()));
        }
        Shape zero = new Shape(0, 0);
        return x.getNDArrayInternal().convolution(x, segWeight, segBias, one, zero, one, 1).singletonOrThrow();
    }

    private NDArray batchNorm(int i, NDArray x, boolean training) {
        NDManager m = x.getManager();
        long c = cfg.channels();
        NDArray gamma = local(m, bnWeight[i].reshape(1, c, 1, 1));
        NDArray beta = local(m, bnBias[i].reshape(1, c, 1, 1));
        NDArray eps = m.full(new Shape(), BN_EPS);
        if (!training) {
            NDArray std = local(m, runningVar[i].reshape(1, c, 1, 1)).add(eps).sqrt();
            return x.sub(local(m, runningMean[i].reshape(1, c, 1, 1))).div(std).mul(gamma).add(beta);
        }
        int[] axes = {0, 2, 3};
        long count = x.getShape().size() / c;
        if (count < 2) {
            throw new IllegalArgumentException("BatchNorm in training needs more than 1 value per channel, got " + x.getShape());
        }
        NDArray n = m.full(new Shape(), (float) count);                          // DJL's mean takes one axis only
        NDArray mean = x.sum(axes, true).div(n);
        NDArray centred = x.sub(mean);
        NDArray var = centred.square().sum(axes, true).div(n);                   // biased: normalises
        NDArray y = centred.div(var.add(eps).sqrt()).mul(gamma).add(beta);
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = m.newSubManager()) {
            NDArray bm = mean.reshape(c);
            NDArray bv = var.reshape(c);
            bm.attach(tmp);
            bv.attach(tmp);
            double unbias = (double) count / (count - 1);                        // torch updates with the unbiased variance
            // in-place mul_/add_ on the buffers (an index copy would leave an array in the head's manager per step)
            NDArray keep = tmp.full(new Shape(), 1 - BN_MOMENTUM);
            runningMean[i].muli(keep).addi(bm.mul(tmp.full(new Shape(), BN_MOMENTUM)));
            runningVar[i].muli(keep).addi(bv.mul(tmp.full(new Shape(), (float) (BN_MOMENTUM * unbias))));
        } finally {
            JniUtils.setGradMode(was);
        }
        return y;
    }

    /**
     * A view of a head tensor made during a forward: the engine puts it in the head's manager, so it is moved to
     * the forward's manager (the input's), which the caller closes per step.
     */
    private static NDArray local(NDManager m, NDArray view) {
        view.attach(m);
        return view;
    }

    /** Trainable tensors under mmseg's names after the prefix, in state-dict order. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** BatchNorm running statistics under mmseg's names after the prefix ({@code up_convs.i.0.bn.running_mean}, ...). */
    public Map<String, NDArray> buffers() {
        return Collections.unmodifiableMap(buffers);
    }
}
