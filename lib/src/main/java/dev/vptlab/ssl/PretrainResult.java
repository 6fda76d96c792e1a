package dev.vptlab.ssl;

import java.util.List;

/**
 * What a pretraining run did.
 *
 * @param stepLosses the loss of every step, in order
 * @param epochLosses the mean loss of every epoch
 * @param finalLoss the mean loss of the last {@link #FINAL_WINDOW} steps (fewer when the run is shorter)
 * @param wallSeconds training time, data loading excluded
 */
public record PretrainResult(String method, int epochs, long steps, int trainImages, List<Float> stepLosses,
        List<Double> epochLosses, double finalLoss, double wallSeconds) {
    /** Steps averaged into {@link #finalLoss}. */
    public static final int FINAL_WINDOW = 20;

    /** Mean of the step losses in [from, to). */
    public double meanLoss(int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += stepLosses.get(i);
        }
        return s / (to - from);
    }
}
