package dev.vptlab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.vptlab.util.ExitGuard;
import java.util.function.Supplier;

/**
 * One optimisation step, the same for prompt tuning ({@link Trainer}), pre-training ({@code ssl.Pretrainer}) and
 * the speed benchmark ({@code report.Bench}): in a scope that frees every intermediate, the engine's generator is
 * re-seeded (when a seed is given, so dropout and drop-path masks are a function of the step alone), the loss is
 * computed under a gradient collector, refused if not finite, back-propagated; then the optimiser updates. A
 * SIGTERM waits for the step to end ({@link ExitGuard}).
 */
public final class TrainStep {
    /** What the step computes: the loss, and anything else the caller keeps (read in {@link #afterBackward}). */
    @FunctionalInterface
    public interface Forward {
        NDArray loss();
    }

    /** Runs inside the scope after the backward pass, while the forward's arrays are alive (e.g. accuracy). */
    @FunctionalInterface
    public interface AfterBackward {
        void run();
    }

    /** Builds the error for a non-finite loss, with the caller's context (epoch, step). */
    @FunctionalInterface
    public interface NonFinite {
        RuntimeException error(float loss);
    }

    private TrainStep() {}

    /**
     * @param engineSeed the generator's seed for this step, or null to leave it as it is
     * @param update the optimiser's update, run after the scope (gradients stay on the parameters)
     * @return the loss
     */
    public static float run(Integer engineSeed, Forward forward, AfterBackward afterBackward, NonFinite nonFinite,
            Runnable update) {
        try (ExitGuard.Hold exit = ExitGuard.hold()) {
            float loss;
            try (NDScope scope = new NDScope()) {
                if (engineSeed != null) {
                    Engine.getInstance().setRandomSeed(engineSeed);
                }
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = forward.loss();
                    loss = l.getFloat();
                    if (!Float.isFinite(loss)) {
                        throw nonFinite.error(loss);
                    }
                    gc.backward(l);
                }
                afterBackward.run();
            }
            update.run();
            return loss;
        }
    }

    /** {@link #run} with nothing after the backward pass. */
    public static float run(Integer engineSeed, Forward forward, NonFinite nonFinite, Runnable update) {
        return run(engineSeed, forward, () -> { }, nonFinite, update);
    }

    /** A {@link NonFinite} with a fixed message prefix. */
    public static NonFinite nonFinite(Supplier<String> context) {
        return loss -> new NonFiniteLossException(context.get() + ": non-finite loss (" + loss + ")");
    }
}
