package dev.vptlab.data;

/**
 * One segmentation sample after a pipeline: the image as normalised CHW floats and its label map (row-major, 255
 * where a pixel is ignored), both {@code height × width}. The label is null for a test view, which is scored
 * against the original-size annotation instead.
 */
public record SegSample(float[] image, int[] label, int height, int width) {}
