package dev.vptlab.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flat tensor dict inside any supported file, the format detected from its bytes ({@link CheckpointFormat}).
 * A PyTorch file may wrap the state dict: {@code {'model': sd}} (MAE's {@code main_finetune.py}
 * {@code misc.save_model}; Gated PT's trainer saving {@code last_model.pth}) or {@code {'state_dict': sd}}
 * (MoCo v3's {@code main_moco.py} {@code save_checkpoint}); the other top-level entries (epoch, optimizer, …)
 * are listed, not read.
 *
 * @param container the wrapping key ({@code model} or {@code state_dict}), or null for a flat dict
 * @param otherEntries top-level entries that are not the state dict, and non-tensor values inside it
 * @param metadata safetensors metadata (empty for other formats)
 */
public record StateDicts(Path file, CheckpointFormat format, String container, Map<String, RawTensor> tensors,
        List<String> otherEntries, Map<String, String> metadata) {

    /** The container keys tried in order. */
    private static final List<String> CONTAINERS = List.of("model", "state_dict");

    public static StateDicts read(Path file) {
        CheckpointFormat format = CheckpointFormat.detect(file);
        Map<String, RawTensor> state = new LinkedHashMap<>();
        List<String> other = new ArrayList<>();
        return switch (format) {
            case SAFETENSORS -> {
                Safetensors.Contents c = Safetensors.read(file);
                yield new StateDicts(file, format, null, c.tensors(), List.of(), Map.copyOf(c.metadata()));
            }
            case NPZ -> new StateDicts(file, format, null, Npz.read(file), List.of(), Map.of());
            case TORCH_ZIP -> {
                Object root = TorchZipReader.read(file);
                if (!(root instanceof Map<?, ?> top)) {
                    throw new CheckpointFormatException(file, "top-level object is a "
                            + (root == null ? "None" : root.getClass().getSimpleName()) + ", not a dict of tensors");
                }
                String wrapper = CONTAINERS.stream().filter(k -> top.get(k) instanceof Map<?, ?>).findFirst().orElse(null);
                Map<?, ?> container = wrapper == null ? top : (Map<?, ?>) top.get(wrapper);
                if (wrapper != null) {
                    for (Object k : top.keySet()) {
                        if (!wrapper.equals(k)) {
                            other.add(String.valueOf(k));
                        }
                    }
                }
                for (Map.Entry<?, ?> e : container.entrySet()) {
                    if (e.getValue() instanceof RawTensor t) {
                        state.put(String.valueOf(e.getKey()), t);
                    } else {
                        other.add(e.getKey() + " (not a tensor)");
                    }
                }
                yield new StateDicts(file, format, wrapper, state, List.copyOf(other), Map.of());
            }
        };
    }
}
