package dev.vptlab.checkpoint;

import java.nio.file.Path;
import java.util.List;

/** What a strict load did: counts, the keys ignored by rule, and notes such as a pos-embed resize. */
public record LoadReport(Path file, CheckpointFormat format, CheckpointSource source, int tensors, long parameters,
        List<String> ignored, List<String> notes) {
    @Override
    public String toString() {
        return file.getFileName() + ": " + format + ", source " + source.id() + ", " + tensors + " tensors, " + parameters
                + " parameters loaded, " + ignored.size() + " key(s) ignored by rule" + (notes.isEmpty() ? "" : ", " + notes);
    }
}
