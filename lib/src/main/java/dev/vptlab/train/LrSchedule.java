package dev.vptlab.train;

/** A learning rate per epoch (both papers step their schedules once per epoch, after the epoch). */
public interface LrSchedule {
    /** The learning rate used for every step of epoch {@code epoch} (0-based). */
    double lr(int epoch);

    /** One line for logs and run records. */
    String describe();
}
