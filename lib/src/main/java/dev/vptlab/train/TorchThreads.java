package dev.vptlab.train;

import ai.djl.engine.Engine;
import dev.vptlab.VptlabException;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count, which a CPU run's last bits depend on: PyTorch splits a reduction (a sum, a
 * softmax, a norm) into one partial result per thread, so the same run with 1 and with 2 threads ends in different
 * floats (measured: one mini segmentation run, MAE trunk, head only, gave 14.92 mIoU with 1 thread and 14.96 with 2).
 * The count is a process-wide setting ({@code torch.set_num_threads}); run records keep it
 * ({@code versions.torch_threads}).
 */
public final class TorchThreads {
    private TorchThreads() {}

    /** The current count. */
    public static int current() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }

    /** Sets the count to {@code n} (at least 1) for the rest of the process; returns the previous count. */
    public static int set(int n) {
        if (n < 1) {
            throw new VptlabException("--threads must be at least 1, got " + n);
        }
        int before = current();
        JniUtils.setNumThreads(n);
        return before;
    }

    /** Sets the count to {@code n} until the returned scope closes, which restores the previous count. */
    public static Scope exactly(int n) {
        int before = set(n);
        return () -> JniUtils.setNumThreads(before);
    }

    /** {@code work} with {@code n} threads and the previous count restored after it, or as it is when {@code n} is null. */
    public static <T> T during(Integer n, java.util.function.Supplier<T> work) {
        if (n == null) {
            return work.get();
        }
        try (Scope s = exactly(n)) {
            return work.get();
        }
    }

    /** Restores the previous count on close. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
