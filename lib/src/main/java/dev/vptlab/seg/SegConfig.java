package dev.vptlab.seg;

import dev.vptlab.VptlabException;
import dev.vptlab.util.ConfigMaps;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Methods;
import dev.vptlab.prompt.NoPrompts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that determines a segmentation run, with mmsegmentation v0.15.0's ADE20K SETR-PUP defaults
 * ({@code configs/setr/setr_pup_512x512_160k_b16_ade20k.py}, {@code schedule_160k.py}) where the papers are silent.
 * Gated PT (§5.2.3, App. A.2) and CVPT (its released {@code segmentation task/} config) state the backbone, prompts,
 * batch 16, lr 1e-3 and the taps; the rest is mmseg's and so our reconstruction.
 *
 * @param task {@code ade20k} or {@code fm-seg} (the mini benchmark's task)
 * @param data the ADEChallengeData2016 folder (ade20k), or null
 * @param backbone checkpoint file of the frozen trunk
 * @param heads head count when the checkpoint does not say, or null
 * @param method the prompt method, or null for the "head only" baseline (only the heads train)
 * @param taps 0-based blocks read, ascending: the auxiliary heads read all but the last, the decode head the last
 * @param channels convolution width of every SETR-PUP head (mmseg: 256)
 * @param decodeConvs conv + up-sampling steps of the decode head (mmseg: 4, ×2 each)
 * @param decodeUp up-sampling factor per decode step
 * @param auxConvs steps of each auxiliary head (mmseg: 2)
 * @param auxUp up-sampling factor per auxiliary step (mmseg's default 4)
 * @param classes output classes (ADE20K: 150 after reduce_zero_label)
 * @param iterations optimiser steps (mmseg: 160,000)
 * @param evalEvery evaluate and checkpoint every n iterations (the last iteration always)
 * @param batchSize images per step (16: 8 GPUs × 2)
 * @param lr base learning rate (1e-3); heads get {@code lr × headLrMult}
 * @param headLrMult mmseg's {@code paramwise_cfg custom_keys head lr_mult 10}
 * @param momentum SGD momentum (0.9)
 * @param weightDecay SGD weight decay (0)
 * @param auxWeight loss weight of each auxiliary head (0.4)
 * @param crop training crop and slide window (512)
 * @param stride slide stride (341)
 * @param multiScale also evaluate with mmseg's 6 ratios × flip at the end
 * @param seed the run's root seed
 * @param trainLimit first n training images only (0 = all), for smoke runs
 * @param testLimit first n evaluation images only (0 = all)
 * @param evalSplit {@link #TEST}: train on the task's training split and score its reported split (fm-seg's test,
 *     ADE20K's validation, as the papers); {@link #VAL} (fm-seg only): train on train800 and score val200, the held-out
 *     part of its training split, for choosing hyper-parameters without looking at the test split (VPT §4.1, Gated PT
 *     App. A.2 select on validation)
 */
public record SegConfig(String task, String data, String backbone, Integer heads, MethodConfig method, int[] taps,
        int channels, int decodeConvs, int decodeUp, int auxConvs, int auxUp, int classes, long iterations, long evalEvery,
        int batchSize, double lr, double headLrMult, double momentum, double weightDecay, double auxWeight, int crop,
        int stride, boolean multiScale, long seed, int trainLimit, int testLimit, String evalSplit) {

    /** {@link #evalSplit}: the task's reported split. */
    public static final String TEST = "test";

    /** {@link #evalSplit}: the held-out validation part of the training split. */
    public static final String VAL = "val";

    /** The poly schedule's absolute floor for every parameter group (mmseg {@code schedule_160k.py}: min_lr 1e-4). */
    public static final double MIN_LR = 1e-4;

    public SegConfig {
        taps = taps.clone();
        check(taps.length >= 1, "at least one tap");
        for (int j = 1; j < taps.length; j++) {
            check(taps[j] > taps[j - 1], "taps must be ascending, got " + Arrays.toString(taps));
        }
        check(taps[0] >= 0, "taps must be blocks >= 0");
        check(channels >= 1 && decodeConvs >= 1 && decodeUp >= 1 && auxConvs >= 1 && auxUp >= 1, "head shape must be positive");
        check(classes >= 2, "at least 2 classes, got " + classes);
        check(iterations >= 1, "iterations must be at least 1, got " + iterations);
        check(evalEvery >= 1, "eval every must be at least 1, got " + evalEvery);
        check(batchSize >= 1, "batch size must be at least 1, got " + batchSize);
        check(lr >= 0 && Double.isFinite(lr) && headLrMult > 0, "learning rate must be finite and non-negative");
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)");
        check(weightDecay >= 0 && auxWeight >= 0, "weight decay and aux weight must be non-negative");
        check(crop >= 1 && stride >= 1 && stride <= crop, "slide stride must be in 1..crop");
        check(trainLimit >= 0 && testLimit >= 0, "image limits must be non-negative (0 = all)");
        check(TEST.equals(evalSplit) || VAL.equals(evalSplit), "eval split must be test or val, got " + evalSplit);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new VptlabException("invalid segmentation config: " + message);
        }
    }

    @Override
    public int[] taps() {
        return taps.clone();
    }

    /** The method's id, or {@code head-only}. */
    public String methodId() {
        return method == null ? NoPrompts.ID : method.id();
    }

    /** The decode head for trunk width {@code dim}. */
    public SetrPup decodeHead(int dim) {
        return new SetrPup(dim, channels, decodeConvs, decodeUp, classes);
    }

    /** One auxiliary head for trunk width {@code dim}. */
    public SetrPup auxHead(int dim) {
        return new SetrPup(dim, channels, auxConvs, auxUp, classes);
    }

    /** Number of evaluation periods ({@code ceil(iterations / evalEvery)}). */
    public int periods() {
        return (int) ((iterations + evalEvery - 1) / evalEvery);
    }

    /** Flat, ordered view for the run record and resume checks. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task_kind", "segmentation");
        m.put("task", task);
        m.put("data", data);
        m.put("backbone", backbone);
        m.put("heads", heads);
        if (method == null) {
            m.put("method", NoPrompts.ID);
            m.put("prompts", 0);
        } else {
            m.putAll(Methods.toRecord(method));
        }
        List<Integer> t = new ArrayList<>();
        for (int x : taps) {
            t.add(x);
        }
        m.put("taps", t);
        m.put("head_channels", channels);
        m.put("decode_convs", decodeConvs);
        m.put("decode_up", decodeUp);
        m.put("aux_convs", auxConvs);
        m.put("aux_up", auxUp);
        m.put("num_classes", classes);
        m.put("iterations", iterations);
        m.put("eval_every", evalEvery);
        m.put("batch_size", batchSize);
        m.put("optimizer", "sgd");
        m.put("lr", lr);
        m.put("head_lr_mult", headLrMult);
        m.put("momentum", momentum);
        m.put("weight_decay", weightDecay);
        m.put("schedule", "poly(power=0.9, min_lr=" + MIN_LR + ", by_iter)");
        m.put("aux_weight", auxWeight);
        m.put("crop", crop);
        m.put("stride", stride);
        m.put("multi_scale", multiScale);
        m.put("seed", seed);
        m.put("train_limit", trainLimit);
        m.put("test_limit", testLimit);
        if (VAL.equals(evalSplit)) {
            // Only where it is not the default, so that the records of runs scored on test stay as they were.
            m.put("eval_split", evalSplit);
        }
        return m;
    }

    /**
     * {@link #toMap()} as a run record stores it (numbers canonicalised through its JSON form): what a run folder's
     * config is compared with before it is resumed or reused.
     */
    public Map<String, Object> recorded() {
        return dev.vptlab.train.RunRecord.start("x", toMap(), 0, Map.of(), "", 0, 0).config();
    }

    /** The config a run record stored ({@link #toMap()}), e.g. to evaluate a finished run. */
    public static SegConfig fromMap(Map<String, Object> m) {
        try {
            MethodConfig method = NoPrompts.ID.equals(String.valueOf(m.get("method"))) ? null : Methods.fromRecord(m);
            List<?> t = (List<?>) m.get("taps");
            int[] taps = new int[t.size()];
            for (int i = 0; i < taps.length; i++) {
                taps[i] = ((Number) t.get(i)).intValue();
            }
            return new SegConfig(ConfigMaps.text(m, "task"), m.get("data") == null ? null : ConfigMaps.text(m, "data"), ConfigMaps.text(m, "backbone"),
                    m.get("heads") == null ? null : ConfigMaps.number(m, "heads").intValue(), method, taps, ConfigMaps.number(m, "head_channels").intValue(),
                    ConfigMaps.number(m, "decode_convs").intValue(), ConfigMaps.number(m, "decode_up").intValue(), ConfigMaps.number(m, "aux_convs").intValue(),
                    ConfigMaps.number(m, "aux_up").intValue(), ConfigMaps.number(m, "num_classes").intValue(), ConfigMaps.number(m, "iterations").longValue(),
                    ConfigMaps.number(m, "eval_every").longValue(), ConfigMaps.number(m, "batch_size").intValue(), ConfigMaps.number(m, "lr").doubleValue(),
                    ConfigMaps.number(m, "head_lr_mult").doubleValue(), ConfigMaps.number(m, "momentum").doubleValue(), ConfigMaps.number(m, "weight_decay").doubleValue(),
                    ConfigMaps.number(m, "aux_weight").doubleValue(), ConfigMaps.number(m, "crop").intValue(), ConfigMaps.number(m, "stride").intValue(),
                    Boolean.parseBoolean(ConfigMaps.text(m, "multi_scale")), ConfigMaps.number(m, "seed").longValue(), ConfigMaps.number(m, "train_limit").intValue(),
                    ConfigMaps.number(m, "test_limit").intValue(), m.get("eval_split") == null ? TEST : ConfigMaps.text(m, "eval_split"));
        } catch (RuntimeException e) {
            throw new VptlabException("segmentation run config is incomplete or malformed: " + e.getMessage(), e);
        }
    }

    /** True when a record's config is a segmentation run's. */
    public static boolean isSegmentation(Map<String, Object> config) {
        return "segmentation".equals(String.valueOf(config.get("task_kind")));
    }

    /** A copy with other values; {@code with(b -> b.iterations = 100)}. */
    public SegConfig with(java.util.function.Consumer<Builder> change) {
        Builder b = new Builder(this);
        change.accept(b);
        return b.build();
    }

    /** Mutable fields for {@link #with}. */
    public static final class Builder {
        public String task, data, backbone;
        public Integer heads;
        public MethodConfig method;
        public int[] taps;
        public int channels, decodeConvs, decodeUp, auxConvs, auxUp, classes, batchSize, crop, stride, trainLimit, testLimit;
        public long iterations, evalEvery, seed;
        public double lr, headLrMult, momentum, weightDecay, auxWeight;
        public boolean multiScale;
        public String evalSplit;

        Builder(SegConfig c) {
            task = c.task; data = c.data; backbone = c.backbone; heads = c.heads; method = c.method; taps = c.taps();
            channels = c.channels; decodeConvs = c.decodeConvs; decodeUp = c.decodeUp; auxConvs = c.auxConvs; auxUp = c.auxUp;
            classes = c.classes; iterations = c.iterations; evalEvery = c.evalEvery; batchSize = c.batchSize; lr = c.lr;
            headLrMult = c.headLrMult; momentum = c.momentum; weightDecay = c.weightDecay; auxWeight = c.auxWeight;
            crop = c.crop; stride = c.stride; multiScale = c.multiScale; seed = c.seed; trainLimit = c.trainLimit;
            testLimit = c.testLimit; evalSplit = c.evalSplit;
        }

        SegConfig build() {
            return new SegConfig(task, data, backbone, heads, method, taps, channels, decodeConvs, decodeUp, auxConvs, auxUp,
                    classes, iterations, evalEvery, batchSize, lr, headLrMult, momentum, weightDecay, auxWeight, crop, stride,
                    multiScale, seed, trainLimit, testLimit, evalSplit);
        }
    }
}
