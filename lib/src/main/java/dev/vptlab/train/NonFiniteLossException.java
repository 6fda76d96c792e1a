package dev.vptlab.train;

/** Training produced a NaN or infinite loss; the run stops and its last good checkpoint stays. */
public class NonFiniteLossException extends NonFiniteException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
