package dev.vptlab.util;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Lets SIGTERM or Ctrl-C end the process between two PyTorch calls, never inside one.
 *
 * <p>Why: the JVM's exit runs the C library's {@code exit()}, which destroys libtorch's static objects. A thread
 * still inside libtorch at that moment (a backward pass, most often) then reads freed state, and the JVM dies with
 * SIGSEGV, exit status 134 and an {@code hs_err_pid*.log} in the working directory. During training that was about a
 * third of all SIGTERMs, and SIGTERM is how Slurm pre-empts or cancels a job.
 *
 * <p>Work that calls PyTorch runs under a {@link #hold()}, one step or one evaluation batch at a time. On
 * shutdown a hook waits until no such work is running, at most {@link #GRACE_SECONDS} (Slurm's default
 * {@code KillWait} is 30 s), and keeps new work from starting, so the exit comes at a step boundary with status 143.
 * The run folder was safe already (every write is atomic); this makes the exit itself clean.
 */
public final class ExitGuard {
    /** How long the shutdown hook waits for the running step or batch to finish. */
    public static final int GRACE_SECONDS = 20;

    // Fair, so that once the hook waits, no new work (a new read hold) gets in before it; a thread already
    // holding the read side may still nest.
    private static final ReentrantReadWriteLock LOCK = new ReentrantReadWriteLock(true);

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitGuard::holdExit, "vptlab-exit-guard"));
        } catch (IllegalStateException alreadyExiting) {
            // first used while the JVM exits: nothing to guard any more
        }
    }

    private ExitGuard() {}

    /**
     * Holds the exit off until the returned hold is closed. Once the shutdown hook has waited out the running holds,
     * a new one waits until the JVM is gone. Open it first in a try-with-resources, so that it closes last, after the
     * step's arrays are freed; close it on the thread that opened it.
     */
    public static Hold hold() {
        return new Hold();
    }

    /** An open {@link #hold()}. */
    public static final class Hold implements AutoCloseable {
        private boolean open = true;

        private Hold() {
            LOCK.readLock().lock();
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                LOCK.readLock().unlock();
            }
        }
    }

    /** The shutdown hook: takes the write side once the running work is done, and never gives it back. */
    private static void holdExit() {
        try {
            LOCK.writeLock().tryLock(GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
