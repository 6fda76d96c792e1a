package dev.vptlab.ssl;

import dev.vptlab.VptlabException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The three methods by name, each with the defaults of {@code vptlab pretrain}: the recipes of the
 * embedded backbones ({@code /dev/vptlab/embedded/}, docs/embedded-backbones.md). Each beats the
 * random-init trunk it starts from by at least 3 points under the linear probe (10,000 / 2,000 images,
 * {@link LinearProbe}); for MoCo v3 and the supervised trunk they are the smallest of the recipes tried
 * that do (the document lists the runs and their times). When other processes keep the cores busy,
 * PyTorch's OpenMP threads stall; {@code --threads 1} avoids that.
 *
 * <p>Each constant holds: the epochs, batch size and peak learning rate used when {@code --epochs},
 * {@code --batch-size} and {@code --lr} are not given; AdamW's β2 (MAE 0.95; MoCo v3 and DeiT 0.999); and the
 * training images when {@code --train-subset} is not given (0: all 60,000).
 */
public enum PretrainMethods {
    MAE("mae", MaePretraining::new, 2, 128, 1.5e-3, 0.95, 0),
    MOCOV3("mocov3", MocoV3Pretraining::new, 1, 64, 1e-3, 0.999, 30_000),
    SUPERVISED("supervised", SupervisedPretraining::new, 1, 64, 1e-3, 0.999, 0);

    /**
     * The defaults and their measured training times (the loop alone; the linear probe after it adds 1–3
     * minutes), for the CLI's help and docs/embedded-backbones.md.
     */
    public static final String TIMINGS = "mae 60000 images x 2 epochs, batch 128, lr 1.5e-3 (250 s); "
            + "mocov3 the first 30000 x 1, batch 64, lr 1e-3 (580 s); supervised 60000 x 1, batch 64, lr 1e-3 (375 s)";

    private final String id;
    private final Pretrainer.MethodFactory factory;
    private final int defaultEpochs;
    private final int defaultBatch;
    private final double defaultLr;
    private final double beta2;
    private final int defaultSubset;

    PretrainMethods(String id, Pretrainer.MethodFactory factory, int defaultEpochs, int defaultBatch, double defaultLr,
            double beta2, int defaultSubset) {
        this.id = id;
        this.factory = factory;
        this.defaultEpochs = defaultEpochs;
        this.defaultBatch = defaultBatch;
        this.defaultLr = defaultLr;
        this.beta2 = beta2;
        this.defaultSubset = defaultSubset;
    }

    public static PretrainMethods named(String name) {
        for (PretrainMethods m : values()) {
            if (m.id.equals(name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new VptlabException("unknown pretraining method '" + name + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(PretrainMethods::id).toList()));
    }

    public String id() {
        return id;
    }

    public Pretrainer.MethodFactory factory() {
        return factory;
    }

    public int defaultEpochs() {
        return defaultEpochs;
    }

    public int defaultBatch() {
        return defaultBatch;
    }

    public double defaultLr() {
        return defaultLr;
    }

    public double beta2() {
        return beta2;
    }

    public int defaultSubset() {
        return defaultSubset;
    }

    /** Options with the method's defaults for every null argument; weight decay 0.05. */
    public PretrainOptions options(Integer epochs, Integer batch, Double lr, Double weightDecay, Double warmupFraction,
            long seed, int logEvery) {
        return new PretrainOptions(epochs != null ? epochs : defaultEpochs, batch != null ? batch : defaultBatch,
                lr != null ? lr : defaultLr, weightDecay != null ? weightDecay : 0.05, beta2,
                warmupFraction != null ? warmupFraction : 0.1, seed, logEvery);
    }
}
