package dev.vptlab.train;

import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.prompt.PromptedVit;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's checkpoint ({@link Trainer#STATE_FILE}): trainable parameters as {@code param/...}, optimizer state as
 * {@code optim/...}, and {@code epochs_done} in the metadata, which is the authority on how far the run got.
 */
final class StateFile {
    private StateFile() {}

    static int epochsDone(Path state) {
        String v = Safetensors.read(state).metadata().get("epochs_done");
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new RunFolderException(state + ": epochs_done is '" + v + "', not a number of epochs");
        }
    }

    static void load(Path state, PromptedVit model, Optimizer optimizer) {
        Map<String, RawTensor> trainables = new LinkedHashMap<>();
        Map<String, RawTensor> optim = new LinkedHashMap<>();
        Safetensors.read(state).tensors().forEach((k, v) -> {
            if (k.startsWith("param/")) {
                trainables.put(k.substring(6), v);
            } else if (k.startsWith("optim/")) {
                optim.put(k.substring(6), v);
            }
        });
        model.loadTrainable(trainables, state.toString());
        optimizer.loadState(optim, state.toString());
    }

    /** The checkpoint's tensors: trainable parameters as {@code param/...}, optimizer state as {@code optim/...}. */
    static Map<String, RawTensor> tensors(PromptedVit model, Optimizer optimizer) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, a) -> out.put("param/" + k, RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray())));
        optimizer.state().forEach((k, t) -> out.put("optim/" + k, t));
        return out;
    }

}
