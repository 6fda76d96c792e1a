package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.vptlab.VptlabException;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.VisionTransformer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A prompt method: it owns its trainable tensors and decides what each frozen block sees (vptlab's own
 * design, so that the backbone is written once). {@link PromptedVit} drives the loop
 * {@code x = before(i, x); x = block_i(x, options(i)); x = after(i, x)}; a method overrides only the
 * hooks it needs, so the difference between VPT, gated prompts and CVPT is the difference between
 * their hook implementations.

 */
public abstract class PromptMethod {
    protected final VisionTransformer vit;
    protected final int dim;
    protected final int depth;
    private final Map<String, NDArray> params = new LinkedHashMap<>();

    protected PromptMethod(VisionTransformer vit) {
        this.vit = vit;
        this.dim = vit.config().embedDim();
        this.depth = vit.depth();
    }

    /** Short id used in run records and the CLI ({@code vpt-shallow}, {@code gated}, …). */
    public abstract String id();

    /** Number of prompt tokens standing between CLS and the patches in the sequence after the last block. */
    public abstract int promptTokensInSequence();

    /** Called once per forward before block 0 (e.g. the temperature clamp of Gated PT). */
    public void beginForward(ParameterStore ps, boolean training) {}

    /** Tokens entering block i (0-based): a method may insert or replace prompt tokens here. */
    public NDArray beforeBlock(int i, NDArray x, boolean training) {
        return x;
    }

    /** Options for block i: temperature, side branch, drop-path. */
    public BlockOptions options(ParameterStore ps, int i, boolean training) {
        return BlockOptions.PLAIN;
    }

    /**
     * What of block i's input {@link #afterBlock} needs, taken before the block runs (default: all of it). Taking
     * it here rather than after the block keeps the autograd graph in the order of the official code, so that
     * gradients accumulate in the same order and runs stay bit-identical.
     */
    public NDArray keep(int i, NDArray in) {
        return in;
    }

    /**
     * Tokens leaving block i: a method may mix the block's output with what entered it (Gated PT). What entered
     * is passed in (as {@link #keep} took it), so a method keeps no state between the hooks of one forward.
     *
     * @param in what {@link #keep} took of the tokens that entered block i
     * @param out the block's output
     */
    public NDArray afterBlock(int i, NDArray in, NDArray out) {
        return out;
    }

    /** The first block (0-based) whose input depends on a trainable tensor; blocks before it are a fixed prefix. */
    public int firstTrainableBlock() {
        return 0;
    }

    /** The method's trainable tensors under vptlab's names, in a stable order. */
    public final Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * Registers {@code value}, which the caller has already allocated, as a trainable tensor: names it
     * {@code name}, attaches a gradient, records it in {@link #parameters()} and returns it unchanged.
     */
    protected final NDArray register(String name, NDArray value) {
        value.setName(name);
        value.setRequiresGradient(true);
        params.put(name, value);
        return value;
    }

    protected static void requireRange(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new VptlabException(what + " " + value + " is out of range " + min + ".." + max);
        }
    }

    protected static void requireDropout(float rate) {
        if (rate < 0 || rate >= 1) {
            throw new VptlabException("prompt dropout " + rate + " is out of range [0, 1)");
        }
    }

    /** U(−a, a) of the given shape. */
    protected static NDArray uniform(NDManager m, float a, Shape shape) {
        return m.randomUniform(-a, a, shape);
    }
}
