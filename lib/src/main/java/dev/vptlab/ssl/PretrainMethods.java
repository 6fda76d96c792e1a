package dev.vptlab.ssl;

import dev.vptlab.VptlabException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The three methods by name, each with the defaults of {@code vptlab pretrain}. The defaults are sized
 * so that a run finishes within 5 minutes on 2 CPU cores. Measured (2 cores, engine-default threads, no
 * other load): MAE 60,000 images × 2 epochs 144 s (≈ 830 img/s: its encoder sees a quarter of the
 * tokens), supervised 40,000 × 1 164 s (≈ 245 img/s), MoCo v3 15,000 × 1 191 s (≈ 80 img/s: two views
 * through the trunk plus two momentum forward passes). When other processes keep the cores busy,
 * PyTorch's two OpenMP threads stall (MoCo v3 took 844 s); {@code --threads 1} avoids that.
 *
 * @param defaultEpochs epochs when {@code --epochs} is not given
 * @param defaultBatch batch size when {@code --batch-size} is not given
 * @param defaultLr peak learning rate when {@code --lr} is not given
 * @param beta2 AdamW β2 (MAE 0.95; MoCo v3 and DeiT 0.999)
 * @param defaultSubset training images when {@code --train-subset} is not given (0: all 60,000)
 */
public enum PretrainMethods {
    MAE("mae", MaePretraining::new, 2, 128, 1.5e-3, 0.95, 0),
    MOCOV3("mocov3", MocoV3Pretraining::new, 1, 128, 1e-3, 0.999, 15_000),
    SUPERVISED("supervised", SupervisedPretraining::new, 1, 128, 1e-3, 0.999, 40_000);

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
