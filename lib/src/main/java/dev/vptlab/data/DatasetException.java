package dev.vptlab.data;

import dev.vptlab.VptlabException;
import java.nio.file.Path;

/** A dataset cannot be used as it is: the message names the file (and line, for split files) and the problem. */
public class DatasetException extends VptlabException {
    private final String problem;

    public DatasetException(Path file, String problem) {
        super(file + ": " + problem);
        this.problem = problem;
    }

    public DatasetException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
        this.problem = problem;
    }

    public DatasetException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.problem = problem;
    }

    /** The problem alone, without the file (and line) the message starts with. */
    public String problem() {
        return problem;
    }
}
