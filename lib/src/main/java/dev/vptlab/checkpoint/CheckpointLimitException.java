package dev.vptlab.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint claims more than vptlab will hold in memory or build: an array, a tensor or an architecture
 * beyond the read budget ({@value ReadBudget#MAX_BYTES_PROPERTY}) or beyond the sizes of real ViTs.
 */
public class CheckpointLimitException extends CheckpointFormatException {
    public CheckpointLimitException(Path file, String problem) {
        super(file, problem);
    }
}
