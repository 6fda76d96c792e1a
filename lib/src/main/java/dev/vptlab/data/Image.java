package dev.vptlab.data;

/**
 * A decoded image as float planes, CHW row-major. Pixel values keep the decoder's scale (0..255 for 8-bit
 * images) until {@code ToTensor}-style scaling, so that each transform can mirror its reference library
 * (PIL works on 8-bit values and rounds; TensorFlow's resize works on floats and does not).
 */
public record Image(int channels, int height, int width, float[] data) {
    public Image {
        if (channels < 1 || height < 1 || width < 1 || data.length != channels * height * width) {
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " with " + data.length + " values");
        }
    }

    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }
}
