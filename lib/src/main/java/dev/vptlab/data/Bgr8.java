package dev.vptlab.data;

/**
 * An 8-bit BGR image, HWC row-major, as OpenCV's {@code cv2.imread(..., IMREAD_COLOR)} gives it and as
 * mmsegmentation's pipeline ({@code LoadImageFromFile}, mmcv's {@code imfrombytes}) works on.
 */
public record Bgr8(int height, int width, byte[] data) {
    public Bgr8 {
        if (height < 1 || width < 1 || data == null || data.length != 3L * height * width) {
            throw new IllegalArgumentException("BGR image " + height + "x" + width + " with "
                    + (data == null ? "no" : String.valueOf(data.length)) + " bytes");
        }
    }

    /**
     * From the project's decoder ({@link ImageDecoder}: float planes, RGB, 0..255): channels reversed to BGR, a
     * grey image replicated to three channels (what {@code IMREAD_COLOR} does). Values are rounded and clipped
     * to 0..255 (the decoder gives whole numbers already). Java's JPEG decoder is not libjpeg-turbo, so JPEG
     * pixels may differ from OpenCV's by ±1 level; PNG pixels are identical.
     */
    public static Bgr8 of(Image decoded) {
        int c = decoded.channels();
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("expected a grey or RGB image, got " + c + " channels");
        }
        int h = decoded.height();
        int w = decoded.width();
        int plane = h * w;
        float[] src = decoded.data();
        byte[] out = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < 3; k++) {
                int rgbChannel = c == 1 ? 0 : 2 - k; // BGR slot k holds RGB channel 2-k
                float v = src[rgbChannel * plane + i];
                out[3 * i + k] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
        }
        return new Bgr8(h, w, out);
    }

    /** The value (0..255) of channel {@code c} (0 = B, 1 = G, 2 = R) at row y, column x. */
    public int get(int y, int x, int c) {
        return data[(y * width + x) * 3 + c] & 0xFF;
    }
}
