package dev.vptlab.mini;

/**
 * One task of the mini benchmark: its key (the {@code --task} name), the VTAB group it mirrors, its number of
 * classes, and a one-line description saying what is predicted and why it belongs to that group.
 */
public record MiniTask(String key, Group group, int classes, String description) {
    /** VTAB-1K's three groups, plus the dense task kept for the segmentation work. */
    public enum Group {
        NATURAL, SPECIALIZED, STRUCTURED, SEGMENTATION
    }

    /** True for {@code fm-seg}, which is opened with {@link MiniBenchmark#segmentation}, not as an image dataset. */
    public boolean isSegmentation() {
        return group == Group.SEGMENTATION;
    }
}
