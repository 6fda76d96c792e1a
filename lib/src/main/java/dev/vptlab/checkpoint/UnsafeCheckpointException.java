package dev.vptlab.checkpoint;

import java.nio.file.Path;

/**
 * A pickle names a global outside the allow-list (e.g. {@code os.system}). Nothing from the file is
 * executed: the unpickler refuses the global as soon as it reads its name.
 */
public class UnsafeCheckpointException extends CheckpointException {
    private final String global;

    public UnsafeCheckpointException(Path file, String global) {
        super(file, "refusing forbidden pickle global '" + global
                + "' (only tensor-rebuild functions, storage types and plain containers are allowed)");
        this.global = global;
    }

    /** The refused global, as {@code module.name}. */
    public String global() {
        return global;
    }
}
