package dev.vptlab.train;

import dev.vptlab.VptlabException;

/**
 * Training produced a NaN or infinite value (loss, evaluation logits or metrics, trainable parameters); the run
 * stops and its last checkpoint whose values were all finite stays.
 */
public class NonFiniteException extends VptlabException {
    public NonFiniteException(String message) {
        super(message);
    }
}
