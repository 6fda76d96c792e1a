package dev.vptlab.checkpoint;

import dev.vptlab.model.VitConfig;
import java.nio.file.Path;

/**
 * The ViT sizes vptlab accepts from a checkpoint's shapes, checked before anything is built. A file's shapes
 * are claims: one stray key {@code blocks.5000.*} or a lying {@code pos_embed} would otherwise make the loader
 * list millions of expected tensors or ask the engine for gigabytes. The bounds sit well above the largest
 * published ViTs (ViT-22B: width 6144, MLP 24576, 48 blocks; image grids of a few hundred patches a side),
 * and the float32 parameters must fit the read budget.
 */
final class ArchitectureBounds {
    static final int MAX_DEPTH = 256;
    static final int MAX_EMBED_DIM = 16384;
    static final int MAX_MLP_HIDDEN = 65536;
    static final int MAX_IN_CHANNELS = 64;
    static final int MAX_PATCH = 1024;
    static final int MAX_GRID = 1024;

    private ArchitectureBounds() {}

    /** A dimension read from a shape, within {@code 1..max}; else an {@link UnknownArchitectureException}. */
    static int dim(Path file, String what, long value, int max) {
        if (value < 1 || value > max) {
            throw new UnknownArchitectureException(file, what + " is " + value + ", outside 1.." + max
                    + " (not a ViT vptlab can build)");
        }
        return (int) value;
    }

    /**
     * The block index in a key such as {@code blocks.11.norm1.weight}, refused (naming the key) beyond
     * {@link #MAX_DEPTH}. Digits are compared before parsing, so no index can overflow.
     */
    static int blockIndex(Path file, String key, String digits) {
        String trimmed = digits.replaceFirst("^0+(?=.)", "");
        if (trimmed.length() > 9 || Integer.parseInt(trimmed) >= MAX_DEPTH) {
            throw new CheckpointLimitException(file, "key '" + abbreviate(key) + "' names block " + abbreviate(digits)
                    + "; vptlab builds at most " + MAX_DEPTH + " blocks");
        }
        return Integer.parseInt(trimmed);
    }

    /** The whole config: its float32 trunk must fit the read budget ({@link ReadBudget#MAX_BYTES_PROPERTY}). */
    static void check(Path file, VitConfig c) {
        long bytes = c.trunkParameterCount() * 4;
        long max = ReadBudget.maxBytes(file);
        if (bytes > max) {
            throw new CheckpointLimitException(file, "the architecture the weights describe (D=" + c.embedDim()
                    + ", depth " + c.depth() + ", MLP " + c.mlpHidden() + ", " + c.numTokens() + " tokens) has "
                    + c.trunkParameterCount() + " parameters, " + bytes + " bytes in float32, more than the read budget"
                    + " of " + max + " bytes (-D" + ReadBudget.MAX_BYTES_PROPERTY + ")");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
