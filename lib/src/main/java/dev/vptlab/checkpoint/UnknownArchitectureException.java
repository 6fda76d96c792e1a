package dev.vptlab.checkpoint;

import java.nio.file.Path;

/** The checkpoint's tensors do not describe a ViT vptlab can build, or its head count is unknown. */
public class UnknownArchitectureException extends CheckpointException {
    public UnknownArchitectureException(Path file, String problem) {
        super(file, problem);
    }
}
