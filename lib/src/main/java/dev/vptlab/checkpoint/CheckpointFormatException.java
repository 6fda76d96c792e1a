package dev.vptlab.checkpoint;

import java.nio.file.Path;

/** The bytes are not a well-formed checkpoint: wrong magic, truncated, inconsistent header or storage. */
public class CheckpointFormatException extends CheckpointException {
    public CheckpointFormatException(Path file, String problem) {
        super(file, problem);
    }

    public CheckpointFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
