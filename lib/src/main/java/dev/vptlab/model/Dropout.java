package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.Supplier;

/**
 * Plain dropout as PyTorch's {@code nn.Dropout}: in training each element is kept with probability 1 − rate and
 * rescaled by 1/(1 − rate); at evaluation, or at rate 0, the input is returned unchanged. timm's and mmseg's ViT put it
 * after the position embedding ({@code pos_drop}), after the attention projection ({@code proj_drop}) and after both
 * MLP layers, all at the model's {@code drop_rate}.
 *
 * <p>Every random mask of a forward (this dropout, drop-path, prompt dropout) is drawn through {@link #uniform}: U[0, 1)
 * from the engine's generator, which the trainers re-seed before every step, so the masks depend on the step alone.
 * {@link #withUniforms} lets a test supply the draws instead, e.g. the masks of a reference implementation.
 */
public final class Dropout {
    /** A source of U[0, 1) draws of a given shape; an element is kept where its draw is below 1 − rate. */
    @FunctionalInterface
    public interface Uniforms {
        NDArray draw(NDManager manager, Shape shape);
    }

    private static final ThreadLocal<Uniforms> SUPPLIED = new ThreadLocal<>();

    private Dropout() {}

    /** {@code x} with dropout at {@code rate} in training; {@code x} itself at evaluation or rate 0. */
    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate == 0f) {
            return x;
        }
        float keep = 1f - rate;
        NDArray mask = uniform(x.getManager(), x.getShape()).lt(keep).toType(DataType.FLOAT32, false);
        return x.mul(mask.div(keep));
    }

    /** U[0, 1) of {@code shape}: the engine's generator, or the source a caller of {@link #withUniforms} supplied. */
    public static NDArray uniform(NDManager manager, Shape shape) {
        Uniforms supplied = SUPPLIED.get();
        return supplied == null ? manager.randomUniform(0f, 1f, shape) : supplied.draw(manager, shape);
    }

    /**
     * Runs {@code body} on this thread with every mask draw taken from {@code source}, in the order the forward makes
     * them. For tests that replay a reference's masks; the engine's generator is untouched.
     */
    public static <T> T withUniforms(Uniforms source, Supplier<T> body) {
        Uniforms before = SUPPLIED.get();
        SUPPLIED.set(source);
        try {
            return body.get();
        } finally {
            if (before == null) {
                SUPPLIED.remove();
            } else {
                SUPPLIED.set(before);
            }
        }
    }
}
