package dev.vptlab.train;

/** Another live process (or another run in this one) is writing into the run folder. */
public class RunFolderLockedException extends RunFolderException {
    public RunFolderLockedException(String message) {
        super(message);
    }
}
