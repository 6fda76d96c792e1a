package dev.vptlab.prompt;

import dev.vptlab.VptlabException;

/** A file of trainable parameters does not fit the model: missing names, wrong shapes, unknown keys. */
public class PromptFileException extends VptlabException {
    public PromptFileException(String message) {
        super(message);
    }
}
