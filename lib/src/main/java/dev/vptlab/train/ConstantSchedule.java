package dev.vptlab.train;

/** The same learning rate every epoch: for tests and quick runs, not used by either paper. */
public record ConstantSchedule(double lr) implements LrSchedule {
    @Override
    public double lr(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        return lr;
    }

    @Override
    public String describe() {
        return "constant(lr=" + lr + ")";
    }
}
