package dev.vptlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Overwrites a tensor's values in place, keeping its own (engine-owned) storage.
 *
 * <p>Why not {@code NDArray.set(Buffer)}: on DJL's PyTorch engine it re-points the tensor's storage
 * at a Java direct buffer (a non-owning pointer, kept alive only by the Java wrapper) under a
 * deprecated non-autograd guard. For parameters that autograd and the optimizer keep touching, this
 * is fragile; an {@code index_put_} copy with autograd off is what PyTorch's own
 * {@code with torch.no_grad(): p.copy_(v)} does.
 */
public final class InPlace {
    private InPlace() {}

    /** target ← source (same shape), outside autograd. */
    public static void copy(NDArray target, NDArray source) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            // a full slice makes this a basic-index copy_ into the existing storage
            target.set(new NDIndex(":"), source);
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /** target ← values (row-major, target's shape), outside autograd. */
    public static void copy(NDArray target, float[] values) {
        try (NDManager tmp = target.getManager().newSubManager()) {
            Shape s = target.getShape();
            copy(target, tmp.create(values, s));
        }
    }
}
