package dev.vptlab.train;

import dev.vptlab.task.EvalResult;
import dev.vptlab.VptlabException;

/**
 * What one training epoch produced. Evaluations are optional because CVPT tests only every 10 epochs on VTAB
 * (official {@code train.py}) and vptlab lets Gated PT runs evaluate less often than every epoch: a split that
 * was not evaluated this epoch is {@code null}, never a zero that could be mistaken for a result.
 *
 * @param epoch 0-based epoch index
 * @param lr learning rate used for every step of the epoch (both schedules step per epoch)
 * @param trainLoss mean training loss over the epoch's steps
 * @param trainTop1 running training top-1 accuracy in percent
 * @param seconds wall time of the epoch's training steps
 * @param imagesPerSecond training throughput
 * @param val validation evaluation after this epoch, or null
 * @param test test evaluation after this epoch, or null
 */
public record EpochMetrics(int epoch, double lr, double trainLoss, double trainTop1, double seconds,
        double imagesPerSecond, EvalResult val, EvalResult test) {
    public EpochMetrics {
        if (epoch < 0) {
            throw new VptlabException("epoch index must be >= 0, got " + epoch);
        }
    }
}
