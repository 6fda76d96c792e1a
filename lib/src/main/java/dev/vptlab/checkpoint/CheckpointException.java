package dev.vptlab.checkpoint;

import dev.vptlab.VptlabException;
import java.nio.file.Path;

/** A checkpoint could not be read or does not fit the model. The message starts with the file. */
public class CheckpointException extends VptlabException {
    private final Path file;

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The checkpoint file concerned. */
    public Path file() {
        return file;
    }
}
