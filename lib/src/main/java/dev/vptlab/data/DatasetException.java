package dev.vptlab.data;

import dev.vptlab.VptlabException;
import java.nio.file.Path;

/** A dataset cannot be used as it is: the message names the file (and line, for split files) and the problem. */
public class DatasetException extends VptlabException {
    public DatasetException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DatasetException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }

    public DatasetException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
