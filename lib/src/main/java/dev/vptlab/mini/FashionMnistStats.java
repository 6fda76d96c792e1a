package dev.vptlab.mini;

import dev.vptlab.data.Image;
import dev.vptlab.data.Normalize;

/**
 * The pixel normalisation of every mini-benchmark image: {@code x / 255}, then {@code (x − MEAN) / STD}.
 *
 * <p>MEAN and STD are the mean and (population) standard deviation of all 60,000 × 28 × 28 pixels of
 * Fashion-MNIST's <em>train</em> split after {@code / 255}: the statistics the tiny backbone was pretrained
 * with, so the benchmark feeds it inputs on the scale it knows. They were not copied from elsewhere:
 * {@code MiniBenchmarkTest.normalisationConstantsAreTheTrainSplitStatistics} recomputes them from the IDX
 * files (mean 0.28604, std 0.35302) and checks them to 3 decimals. They are not re-estimated on the
 * benchmark's canvases (whose black borders and inverted images shift the statistics on purpose).
 */
public final class FashionMnistStats {
    /** Mean of Fashion-MNIST train pixels / 255. */
    public static final float MEAN = 0.2860f;
    /** Standard deviation of Fashion-MNIST train pixels / 255. */
    public static final float STD = 0.3530f;

    private FashionMnistStats() {}

    /** An 8-bit-scaled one-channel image as the model's input: ToTensor then Normalize, torchvision's order. */
    public static float[] normalise(Image img) {
        return Normalize.normalize(Normalize.toTensor(img), 1, new float[] {MEAN}, new float[] {STD});
    }

    /** The 0..255 pixel value a normalised value came from (for checks and previews). */
    public static float raw(float normalised) {
        return (normalised * STD + MEAN) * 255f;
    }
}
