package dev.vptlab.checkpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * Strict loading failed: some expected keys are missing, some keys are left unconsumed, or some shapes
 * differ. All three lists are reported at once. (Strictness is vptlab's own rule: the official GatedPT code
 * loads with {@code strict=False} and only prints the differences.)
 */
public class CheckpointMismatchException extends CheckpointException {
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> misshaped;

    public CheckpointMismatchException(Path file, List<String> missing, List<String> unexpected, List<String> misshaped) {
        super(file, describe(missing, unexpected, misshaped));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.misshaped = List.copyOf(misshaped);
    }

    private static String describe(List<String> missing, List<String> unexpected, List<String> misshaped) {
        StringBuilder b = new StringBuilder("checkpoint does not fit the backbone");
        if (!missing.isEmpty()) {
            b.append("; ").append(missing.size()).append(" missing key(s): ").append(String.join(", ", missing));
        }
        if (!misshaped.isEmpty()) {
            b.append("; ").append(misshaped.size()).append(" mis-shaped key(s): ").append(String.join(", ", misshaped));
        }
        if (!unexpected.isEmpty()) {
            b.append("; ").append(unexpected.size()).append(" unexpected key(s): ").append(String.join(", ", unexpected));
        }
        return b.toString();
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> misshaped() {
        return misshaped;
    }
}
