package dev.vptlab.data;

import java.util.Random;

/**
 * Crops and horizontal flips with torchvision's geometry and random draws (the FGVC training transforms of
 * VPT's {@code src/data/transforms.py}, which GatedPT and CVPT use). Pixel values are copied, never
 * resampled, so all of these are exact.
 */
public final class Crops {
    private Crops() {}

    /**
     * torchvision {@code CenterCrop((h, w))}: top = {@code int(round((H − h) / 2.0))}, likewise left, where
     * Python's {@code round} sends halves to the even neighbour ({@link Math#rint} does the same). When the crop
     * is larger than the image along an axis, torchvision first zero-pads that axis by (crop − size)//2 before
     * and the rest after; this does the same (zeros outside the image).
     */
    public static Image center(Image img, int h, int w) {
        checkCrop(h, w);
        int top = h > img.height() ? -((h - img.height()) / 2) : centerOffset(img.height(), h);
        int left = w > img.width() ? -((w - img.width()) / 2) : centerOffset(img.width(), w);
        return window(img, top, left, h, w);
    }

    /** torchvision's centre offset along one axis for a crop no larger than the image. */
    public static int centerOffset(int size, int crop) {
        if (crop > size) {
            throw new IllegalArgumentException("crop " + crop + " larger than " + size);
        }
        return (int) Math.rint((size - crop) / 2.0);
    }

    /** The h×w window whose top-left pixel is (top, left); it must lie inside the image. */
    public static Image at(Image img, int top, int left, int h, int w) {
        checkCrop(h, w);
        if (top < 0 || left < 0 || top + h > img.height() || left + w > img.width()) {
            throw new IllegalArgumentException("crop " + h + "x" + w + " at (" + top + ", " + left + ") outside "
                    + img.height() + "x" + img.width());
        }
        return window(img, top, left, h, w);
    }

    /**
     * torchvision {@code RandomCrop((h, w))} without padding: top uniform in [0, H − h], then left uniform in
     * [0, W − w] ({@code RandomCrop.get_params}, top drawn first). Like torchvision, a crop equal to the image
     * returns it without drawing, and a crop larger than the image is an error.
     */
    public static Image random(Image img, int h, int w, Random rng) {
        int[] tl = randomOffsets(img.height(), img.width(), h, w, rng);
        return window(img, tl[0], tl[1], h, w);
    }

    /** The {top, left} that {@link #random} uses, consuming the generator in the same way. */
    public static int[] randomOffsets(int height, int width, int h, int w, Random rng) {
        checkCrop(h, w);
        if (h > height || w > width) {
            throw new IllegalArgumentException("crop " + h + "x" + w + " larger than image " + height + "x" + width);
        }
        if (h == height && w == width) {
            return new int[] {0, 0};
        }
        int top = rng.nextInt(height - h + 1);
        int left = rng.nextInt(width - w + 1);
        return new int[] {top, left};
    }

    /** Mirror left–right: output x reads input W − 1 − x. */
    public static Image hflip(Image img) {
        int w = img.width();
        float[] src = img.data();
        float[] dst = new float[src.length];
        for (int r = 0; r < img.channels() * img.height(); r++) {
            int base = r * w;
            for (int x = 0; x < w; x++) {
                dst[base + x] = src[base + w - 1 - x];
            }
        }
        return new Image(img.channels(), img.height(), w, dst);
    }

    /**
     * torchvision {@code RandomHorizontalFlip(0.5)}: one uniform draw per sample, flip when it is below 0.5.
     * The image is returned as is (not copied) when not flipped.
     */
    public static Image hflipRandom(Image img, Random rng) {
        return rng.nextDouble() < 0.5 ? hflip(img) : img;
    }

    private static void checkCrop(int h, int w) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("crop size " + h + "x" + w);
        }
    }

    /** Copies an h×w window at (top, left); positions outside the image read as 0. */
    private static Image window(Image img, int top, int left, int h, int w) {
        int c = img.channels();
        int ih = img.height();
        int iw = img.width();
        float[] src = img.data();
        float[] dst = new float[c * h * w];
        int x0 = Math.max(0, -left);
        int x1 = Math.min(w, iw - left);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int sy = top + y;
                if (sy < 0 || sy >= ih || x1 <= x0) {
                    continue;
                }
                System.arraycopy(src, (ch * ih + sy) * iw + left + x0, dst, (ch * h + y) * w + x0, x1 - x0);
            }
        }
        return new Image(c, h, w, dst);
    }
}
