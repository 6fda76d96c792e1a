package dev.vptlab.mini;

import java.util.Arrays;
import java.util.List;

/**
 * The rendered samples of one split, kept in memory: normalised 1×side×side images packed in one float
 * array, their labels, per-pixel masks (segmentation only, else null), and the placements each was drawn from. Both the classification
 * datasets ({@link MiniDataset}) and the segmentation splits ({@link MiniSegmentation.Split}) are views
 * of one of these, so the two share a single generation path.
 */
record Rendering(int side, float[] images, int[] labels, int[][] masks, List<List<Canvas.Placement>> placements) {
    int size() {
        return labels.length;
    }

    int pixelsPerImage() {
        return side * side;
    }

    float[] image(int i) {
        int per = pixelsPerImage();
        return Arrays.copyOfRange(images, i * per, (i + 1) * per);
    }

    /** Samples from..to−1 as a rendering of their own (val200 is the tail of train800val200, as in VTAB). */
    Rendering slice(int from, int to) {
        int per = pixelsPerImage();
        return new Rendering(side, Arrays.copyOfRange(images, from * per, to * per), Arrays.copyOfRange(labels, from, to),
                masks == null ? null : Arrays.copyOfRange(masks, from, to), List.copyOf(placements.subList(from, to)));
    }
}
