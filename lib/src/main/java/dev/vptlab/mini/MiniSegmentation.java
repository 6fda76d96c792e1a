package dev.vptlab.mini;

import java.util.List;

/**
 * The mini segmentation task {@code fm-seg}: canvases of 2–3 Fashion-MNIST items scaled to 14×14, placed
 * anywhere (possibly overlapping, later on top), with a per-pixel target of 0 for background and 1 + the
 * item's class where that item's pixel exceeds 0.1 · 255 ({@value #CLASSES} classes). Its splits follow the
 * classification tasks' protocol: train800val200 (1,000), val200 (its last 200), test (2,000), with train
 * and test drawn from disjoint source images. Kept apart from the {@code ImageDataset}s because its target
 * is a mask, not a label.
 */
public record MiniSegmentation(Split train, Split val, Split test) {
    /** Background plus the ten Fashion-MNIST classes. */
    public static final int CLASSES = 11;

    /** One split: normalised 1×32×32 images and their int masks (row-major, values 0..10). */
    public static final class Split {
        private final String name;
        private final Rendering data;

        Split(String name, Rendering data) {
            this.name = name;
            this.data = data;
        }

        /** e.g. "fm-seg/test". */
        public String name() {
            return name;
        }

        public int size() {
            return data.size();
        }

        /** [1, height, width] of every image; masks are height × width. */
        public int[] imageShape() {
            return new int[] {1, data.side(), data.side()};
        }

        /** Image i, normalised like the classification tasks, CHW row-major. */
        public float[] image(int i) {
            return data.image(i);
        }

        /** The per-pixel class of image i (a copy), row-major. */
        public int[] mask(int i) {
            return data.masks()[i].clone();
        }

        /** The items image i was drawn from, in placement order (later ones on top). */
        public List<Canvas.Placement> placements(int i) {
            return data.placements().get(i);
        }
    }
}
