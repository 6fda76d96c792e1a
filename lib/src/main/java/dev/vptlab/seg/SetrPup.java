package dev.vptlab.seg;

/**
 * Shape of a SETR-PUP ("progressive up-sampling") head (SETR, Zheng et al., CVPR 2021; mmsegmentation v0.15.0
 * {@code SETRUPHead}): LayerNorm over each input token, then {@code convs} times Conv3×3(→{@code channels}, no bias),
 * BatchNorm, ReLU and a bilinear ×{@code upScale} up-sampling, then a 1×1 classifier with bias.
 *
 * @param inDim channels of the backbone map (the ViT width)
 * @param channels width of every 3×3 conv (256 in mmseg's ADE20K configs)
 * @param convs number of conv / up-sampling steps
 * @param upScale up-sampling factor after each conv
 * @param classes output classes (150 for ADE20K)
 */
public record SetrPup(int inDim, int channels, int convs, int upScale, int classes) {
    public SetrPup {
        if (inDim < 1 || channels < 1 || convs < 1 || upScale < 1 || classes < 1) {
            throw new IllegalArgumentException("SETR-PUP sizes must be positive: " + inDim + ", " + channels + ", " + convs
                    + ", " + upScale + ", " + classes);
        }
    }

    /** mmseg's ADE20K SETR-PUP decode head: 256 channels, 4 convs, up ×2 each (32 → 512 on a 32×32 map). */
    public static SetrPup decode(int inDim, int classes) {
        return new SetrPup(inDim, 256, 4, 2, classes);
    }

    /**
     * mmseg's ADE20K SETR-PUP auxiliary head: 256 channels, 2 convs, up ×4 each (the {@code SETRUPHead} default
     * {@code up_scale=4}; the ADE20K configs do not set it).
     */
    public static SetrPup aux(int inDim, int classes) {
        return new SetrPup(inDim, 256, 2, 4, classes);
    }

    /** Output side for a {@code grid}×{@code grid} input map: grid·upScale^convs. */
    public int outputSize(int grid) {
        long s = grid;
        for (int i = 0; i < convs; i++) {
            s *= upScale;
        }
        return Math.toIntExact(s);
    }

    /**
     * Trainable parameters: LayerNorm γ and β (2·inDim), the 3×3 convs (no bias), BatchNorm γ and β (2·channels per
     * conv) and the classifier's weight and bias. BatchNorm running statistics are buffers and not counted.
     */
    public long parameterCount() {
        long n = 2L * inDim;
        n += (long) inDim * channels * 9;
        n += (long) (convs - 1) * channels * channels * 9;
        n += 2L * channels * convs;
        n += (long) channels * classes + classes;
        return n;
    }

    /**
     * Multiply-accumulates per image for a {@code grid}×{@code grid} input map, counting the 3×3 convs (each at the
     * resolution before its up-sampling) and the 1×1 classifier at the output resolution (its bias not counted).
     * LayerNorm, BatchNorm, ReLU and the bilinear up-sampling are not counted.
     */
    public long macs(int grid) {
        long side = grid;
        long macs = 0;
        for (int i = 0; i < convs; i++) {
            long in = i == 0 ? inDim : channels;
            macs += side * side * in * channels * 9;
            side *= upScale;
        }
        macs += side * side * channels * classes;
        return macs;
    }
}
