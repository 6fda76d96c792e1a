package dev.vptlab.train;

import dev.vptlab.VptlabException;

/**
 * A run folder cannot be used as asked: it already holds a run, holds nothing to resume, or holds a run made
 * with another config or another backbone. The message names the folder and what differs.
 */
public class RunFolderException extends VptlabException {
    public RunFolderException(String message) {
        super(message);
    }
}
