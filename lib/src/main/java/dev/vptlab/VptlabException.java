package dev.vptlab;

/**
 * Root of vptlab's typed errors. Unchecked so that notebook cells stay short; every subclass
 * carries a message that names the offending file, key or value and what was expected.
 */
public class VptlabException extends RuntimeException {
    public VptlabException(String message) {
        super(message);
    }

    public VptlabException(String message, Throwable cause) {
        super(message, cause);
    }
}
