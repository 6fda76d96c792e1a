package dev.vptlab.train;

import dev.vptlab.VptlabException;

/** Training produced a NaN or infinite loss; the run stops and its last good checkpoint stays. */
public class NonFiniteLossException extends VptlabException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
