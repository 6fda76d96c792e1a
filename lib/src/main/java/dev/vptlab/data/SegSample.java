package dev.vptlab.data;

/**
 * One segmentation sample as the network sees it: {@code image} is CHW, normalised (channels·height·width floats:
 * RGB for ADE20K, one grey channel for the mini task);
 * {@code label} is row-major (height·width) after {@code reduce_zero_label} (0..149, 255 ignored), or null for
 * a test view, whose labels are compared at the original size.
 */
public record SegSample(float[] image, int[] label, int height, int width) {
    public SegSample {
        if (height < 1 || width < 1 || image == null || image.length % (height * width) != 0 || image.length == 0
                || (label != null && label.length != height * width)) {
            throw new IllegalArgumentException("sample " + height + "x" + width + " with " + (image == null ? "no" : image.length)
                    + " image values and " + (label == null ? "no" : label.length) + " labels");
        }
    }
}
