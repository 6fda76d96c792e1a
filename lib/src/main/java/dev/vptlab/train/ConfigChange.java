package dev.vptlab.train;

/**
 * One config field that a resume changed on purpose (see {@link RunConfig#RESUME_CHANGEABLE}), as the run record
 * keeps it: which field, its value before and after, and after how many completed epochs the new value took over.
 *
 * @param afterEpochs epochs completed under the old value (the epochs from {@code afterEpochs + 1} on, counted
 *     from 1, use the new one)
 * @param field the {@link RunConfig#toMap()} key, e.g. {@code lr}
 * @param before the value the run had
 * @param after the value it continued with
 */
public record ConfigChange(int afterEpochs, String field, String before, String after) {
    /** E.g. {@code lr: 0.1 -> 0.01} (the form {@link RunConfig#diff} reports). */
    @Override
    public String toString() {
        return field + ": " + before + " -> " + after;
    }
}
