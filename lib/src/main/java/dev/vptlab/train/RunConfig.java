package dev.vptlab.train;

import dev.vptlab.VptlabException;
import dev.vptlab.util.ConfigMaps;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Methods;
import dev.vptlab.prompt.Pooling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that determines a training run. Immutable; {@link #toMap()} is what a run record stores
 * and what a resume compares field by field.
 *
 * @param backbone checkpoint file of the frozen trunk
 * @param heads head count when the checkpoint does not say (null otherwise)
 * @param optimizer "sgd" (Gated PT) or "adamw" (CVPT)
 * @param schedule "gated-cosine", "timm-cosine" or "constant"
 * @param dropLast drop the last incomplete batch (CVPT's loader: true; Gated PT's: false)
 * @param valEvery evaluate the val split every n epochs (0 = never); Gated PT: 1
 * @param testEvery evaluate the test split every n epochs (0 = never); Gated PT: 1, CVPT: 10. The last
 *     epoch is always evaluated on test when testEvery > 0, so the last-epoch figure is always recorded.
 * @param prefixCache cache the frozen prefix (tokens entering the first trainable block) when allowed
 * @param preprocess "gated" (VTAB: TF bilinear resize) or "cvpt" (VTAB: PIL bicubic resize); FGVC is the same
 *     for both (GatedPT: {@code src/data/datasets/tf_dataset.py}, {@code preprocess_fn}; CVPT: {@code dataset.py},
 *     {@code get_data}; FGVC: VPT's {@code src/data/transforms.py}, which both use)
 * @param trainLimit train on the first n images of the training split only (0 = all); for smoke runs
 * @param testLimit evaluate on the first n images of the val and test splits only (0 = all); for smoke runs
 */
public record RunConfig(String task, String backbone, Integer heads, Pooling pooling, MethodConfig method, int numClasses,
        int epochs, int batchSize, String optimizer, double lr, double weightDecay, double momentum, String schedule,
        int warmupEpochs, boolean dropLast, int valEvery, int testEvery, long seed, boolean prefixCache, String preprocess,
        int trainLimit, int testLimit) {

    public static final List<String> OPTIMIZERS = List.of("sgd", "adamw");
    public static final List<String> SCHEDULES = List.of("gated-cosine", "timm-cosine", "constant");
    public static final List<String> PREPROCESS = List.of("gated", "cvpt");
    /**
     * The fields a resume may change when asked to: the learning-rate schedule only. Everything else (data, model,
     * optimizer, batch size, seed) decides what the saved checkpoint means, so changing it would continue another
     * run; the schedule only decides the step size from here on, which is what a diverged run needs lowered.
     */
    public static final List<String> RESUME_CHANGEABLE = List.of("lr", "schedule", "warmup_epochs");

    public RunConfig {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pooling, "pooling");
        check(epochs >= 1, "epochs must be at least 1, got " + epochs);
        check(batchSize >= 1, "batch size must be at least 1, got " + batchSize);
        check(lr >= 0 && Double.isFinite(lr), "learning rate must be finite and non-negative, got " + lr);
        check(weightDecay >= 0, "weight decay must be non-negative, got " + weightDecay);
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        check(OPTIMIZERS.contains(optimizer), "unknown optimizer '" + optimizer + "'; known: " + OPTIMIZERS);
        check(SCHEDULES.contains(schedule), "unknown schedule '" + schedule + "'; known: " + SCHEDULES);
        check(warmupEpochs >= 0 && warmupEpochs < epochs, "warm-up epochs must be in [0, epochs), got " + warmupEpochs);
        check(numClasses >= 2, "number of classes must be at least 2, got " + numClasses);
        check(valEvery >= 0 && testEvery >= 0, "evaluation intervals must be non-negative");
        check(PREPROCESS.contains(preprocess), "unknown preprocessing '" + preprocess + "'; known: " + PREPROCESS);
        check(trainLimit >= 0 && testLimit >= 0, "image limits must be non-negative (0 = all)");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new VptlabException("invalid run config: " + message);
        }
    }

    /**
     * Gated PT's recipe (official {@code run.sh} and {@code configs/base-prompt.yaml}): SGD 0.9, wd 0 (the run
     * script overrides the base config's 1e-4), warm-up 10 + cosine, eval every epoch.
     */
    public static Builder gated() {
        return new Builder().optimizer("sgd").momentum(0.9).weightDecay(0).schedule("gated-cosine").warmupEpochs(10)
                .epochs(100).batchSize(128).dropLast(false).valEvery(1).testEvery(1).seed(42).preprocess("gated");
    }

    /** CVPT's recipe (official {@code train.py}): AdamW wd 0.05, timm cosine, batch 32 drop_last, test every 10 epochs. */
    public static Builder cvpt() {
        return new Builder().optimizer("adamw").weightDecay(0.05).schedule("timm-cosine").warmupEpochs(10).epochs(100)
                .batchSize(32).dropLast(true).valEvery(0).testEvery(10).seed(42).preprocess("cvpt");
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.task = task;
        b.backbone = backbone;
        b.heads = heads;
        b.pooling = pooling;
        b.method = method;
        b.numClasses = numClasses;
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.optimizer = optimizer;
        b.lr = lr;
        b.weightDecay = weightDecay;
        b.momentum = momentum;
        b.schedule = schedule;
        b.warmupEpochs = warmupEpochs;
        b.dropLast = dropLast;
        b.valEvery = valEvery;
        b.testEvery = testEvery;
        b.seed = seed;
        b.prefixCache = prefixCache;
        b.preprocess = preprocess;
        b.trainLimit = trainLimit;
        b.testLimit = testLimit;
        return b;
    }

    /** The schedule this config names. */
    public LrSchedule lrSchedule() {
        return switch (schedule) {
            case "gated-cosine" -> Schedules.gatedCosine(lr, warmupEpochs, epochs, true);
            case "timm-cosine" -> Schedules.timmCosine(lr, warmupEpochs, epochs, 1e-6, 1e-5);
            default -> Schedules.constant(lr);
        };
    }

    /** A fresh optimizer as this config names it. */
    public Optimizer newOptimizer() {
        return optimizer.equals("sgd") ? new Sgd(momentum, weightDecay) : new AdamW(0.9, 0.999, 1e-8, weightDecay);
    }

    /** Flat, ordered view for run records and resume checks. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("backbone", backbone);
        m.put("heads", heads);
        m.put("pooling", pooling.name());
        m.putAll(Methods.toRecord(method));
        m.put("num_classes", numClasses);
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("optimizer", optimizer);
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("momentum", momentum);
        m.put("schedule", schedule);
        m.put("warmup_epochs", warmupEpochs);
        m.put("drop_last", dropLast);
        m.put("val_every", valEvery);
        m.put("test_every", testEvery);
        m.put("seed", seed);
        m.put("prefix_cache", prefixCache);
        m.put("preprocess", preprocess);
        m.put("train_limit", trainLimit);
        m.put("test_limit", testLimit);
        return m;
    }

    /** The config a run record stored ({@link #toMap()}), e.g. to evaluate a finished run. */
    public static RunConfig fromMap(Map<String, Object> m) {
        try {
            MethodConfig method = Methods.fromRecord(m);
            return new RunConfig(ConfigMaps.text(m, "task"), ConfigMaps.text(m, "backbone"), m.get("heads") == null ? null : ConfigMaps.number(m, "heads").intValue(),
                    Pooling.valueOf(ConfigMaps.text(m, "pooling")), method, ConfigMaps.number(m, "num_classes").intValue(), ConfigMaps.number(m, "epochs").intValue(),
                    ConfigMaps.number(m, "batch_size").intValue(), ConfigMaps.text(m, "optimizer"), ConfigMaps.number(m, "lr").doubleValue(),
                    ConfigMaps.number(m, "weight_decay").doubleValue(), ConfigMaps.number(m, "momentum").doubleValue(), ConfigMaps.text(m, "schedule"),
                    ConfigMaps.number(m, "warmup_epochs").intValue(), bool(m, "drop_last"), ConfigMaps.number(m, "val_every").intValue(),
                    ConfigMaps.number(m, "test_every").intValue(), ConfigMaps.number(m, "seed").longValue(), bool(m, "prefix_cache"),
                    m.containsKey("preprocess") ? ConfigMaps.text(m, "preprocess") : "gated",
                    m.containsKey("train_limit") ? ConfigMaps.number(m, "train_limit").intValue() : 0,
                    m.containsKey("test_limit") ? ConfigMaps.number(m, "test_limit").intValue() : 0);
        } catch (RuntimeException e) {
            throw new VptlabException("run config is incomplete or malformed: " + e.getMessage(), e);
        }
    }

    private static boolean bool(Map<String, Object> m, String k) {
        return Boolean.parseBoolean(ConfigMaps.text(m, k));
    }

    /** Names and values of the fields that differ, e.g. "lr: 0.1 -> 0.5". */
    public List<String> diff(Map<String, Object> other) {
        return changes(other, 0).stream().map(ConfigChange::toString).toList();
    }

    /** The fields whose value in {@code other} (before) differs from this config's (after), in {@link #toMap()} order. */
    public List<ConfigChange> changes(Map<String, Object> other, int afterEpochs) {
        List<ConfigChange> out = new ArrayList<>();
        toMap().forEach((k, v) -> {
            Object o = other.get(k);
            if (!sameValue(v, o)) {
                out.add(new ConfigChange(afterEpochs, k, String.valueOf(o), String.valueOf(v)));
            }
        });
        return out;
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return Objects.equals(a == null ? null : a.toString(), b == null ? null : b.toString());
    }

    /** Builder with the defaults of {@link #gated()} unless set. */
    public static final class Builder {
        private String task = "task";
        private String backbone;
        private Integer heads;
        private Pooling pooling = Pooling.CLS;
        private MethodConfig method = MethodConfig.of("vpt-shallow", 1);
        private int numClasses = 2;
        private int epochs = 100;
        private int batchSize = 128;
        private String optimizer = "sgd";
        private double lr = 0.1;
        private double weightDecay = 0;
        private double momentum = 0.9;
        private String schedule = "gated-cosine";
        private int warmupEpochs = 10;
        private boolean dropLast;
        private int valEvery = 1;
        private int testEvery = 1;
        private long seed = 42;
        private boolean prefixCache = true;
        private String preprocess = "gated";
        private int trainLimit;
        private int testLimit;

        public Builder task(String v) { task = v; return this; }
        public Builder backbone(String v) { backbone = v; return this; }
        public Builder heads(Integer v) { heads = v; return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        public Builder method(MethodConfig v) { method = v; return this; }
        public Builder numClasses(int v) { numClasses = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder optimizer(String v) { optimizer = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder momentum(double v) { momentum = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder warmupEpochs(int v) { warmupEpochs = v; return this; }
        public Builder dropLast(boolean v) { dropLast = v; return this; }
        public Builder valEvery(int v) { valEvery = v; return this; }
        public Builder testEvery(int v) { testEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder prefixCache(boolean v) { prefixCache = v; return this; }
        public Builder preprocess(String v) { preprocess = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder testLimit(int v) { testLimit = v; return this; }

        public RunConfig build() {
            return new RunConfig(task, backbone, heads, pooling, method, numClasses, epochs, batchSize, optimizer, lr,
                    weightDecay, momentum, schedule, warmupEpochs, dropLast, valEvery, testEvery, seed, prefixCache, preprocess,
                    trainLimit, testLimit);
        }
    }
}
