package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The three places where the optimizers need PyTorch's own view of gradients rather than DJL's
 * engine-neutral one: (1) {@code p.grad is None} must be told apart from a zero gradient, because
 * {@code torch.optim} skips such tensors entirely (no decay, no momentum), whereas DJL's
 * {@code getGradient()} invents zeros; (2) gradients must be zeroed with {@code zero_()}, which also
 * clears NaN/Inf (subtracting a gradient from itself would keep NaN forever); (3) updates run with
 * autograd disabled, as {@code torch.optim}'s {@code step()} runs under {@code torch.no_grad()}, so
 * that in-place updates of leaf tensors are legal and record nothing. Other engines fall back to
 * the DJL calls.
 */
final class TorchGrad {
    private TorchGrad() {}

    /**
     * The gradient of {@code p}, re-attached to {@code scope} (the handle is a view of the real
     * {@code .grad}, so closing it frees nothing but the handle), or {@code null} when {@code p} does
     * not require a gradient or no backward pass has reached it yet.
     */
    static NDArray gradient(NDArray p, NDManager scope) {
        if (!p.hasGradient()) {
            return null;
        }
        NDArray g = p instanceof PtNDArray pt ? JniUtils.getGradient(pt) : p.getGradient();
        if (g != null) {
            g.attach(scope);
        }
        return g;
    }

    /** Zeroes {@code p}'s gradient in place ({@code grad.zero_()}); {@code g} is its handle. */
    static void zero(NDArray p, NDArray g) {
        if (p instanceof PtNDArray pt) {
            JniUtils.zeroGrad(pt);
        } else {
            g.subi(g);
        }
    }

    /** Runs {@code body} with autograd recording off, restoring the previous mode afterwards. */
    static void withoutAutograd(Runnable body) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            body.run();
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /** Moves a freshly computed temporary into {@code scope}, so it is freed when the scope closes. */
    static NDArray own(NDManager scope, NDArray temp) {
        temp.attach(scope);
        return temp;
    }
}
