package dev.vptlab.data;

/**
 * The last steps of every pipeline (GatedPT, VPT and CVPT alike): torchvision {@code ToTensor} (8-bit values
 * ÷ 255) and {@code Normalize(mean, std)}, plus the grey-to-RGB replication that PIL's {@code convert("RGB")}
 * performs. Arithmetic is float32 in torchvision's order ({@code x / 255}, then {@code (x − mean) / std}), so
 * results match it bit for bit.
 */
public final class Normalize {
    /** ImageNet channel means (RGB), as used by all three methods. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations (RGB). */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private Normalize() {}

    /** {@code ToTensor}: a new CHW array holding the image's values divided by 255. */
    public static float[] toTensor(Image img) {
        float[] src = img.data();
        float[] out = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = src[i] / 255f;
        }
        return out;
    }

    /**
     * {@code Normalize(mean, std)} on a CHW array, in place: each value of channel c becomes
     * {@code (x − mean[c]) / std[c]}. Returns the same array.
     */
    public static float[] normalize(float[] chw, int channels, float[] mean, float[] std) {
        if (channels < 1 || chw.length % channels != 0 || mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException(chw.length + " values, " + channels + " channels, " + mean.length
                    + " means, " + std.length + " stds");
        }
        int plane = chw.length / channels;
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float s = std[c];
            for (int i = c * plane, end = i + plane; i < end; i++) {
                chw[i] = (chw[i] - m) / s;
            }
        }
        return chw;
    }

    /** A one-channel image replicated to three identical channels (PIL {@code convert("RGB")} of mode L). */
    public static Image grayToRgb(Image img) {
        if (img.channels() != 1) {
            throw new IllegalArgumentException("expected 1 channel, got " + img.channels());
        }
        float[] src = img.data();
        float[] out = new float[src.length * 3];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(src, 0, out, c * src.length, src.length);
        }
        return new Image(3, img.height(), img.width(), out);
    }
}
