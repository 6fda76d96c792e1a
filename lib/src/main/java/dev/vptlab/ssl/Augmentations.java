package dev.vptlab.ssl;

import dev.vptlab.data.Crops;
import dev.vptlab.data.Image;
import dev.vptlab.data.Normalize;
import dev.vptlab.data.Resize;
import dev.vptlab.data.Transform;
import java.util.Random;

/**
 * The pretraining views of 28×28 grey images, each ending on the 32×32 canvas normalised with
 * {@link FashionMnistImages#MEAN}/{@link FashionMnistImages#STD} (background 0 → −0.81), reduced from the
 * upstream recipes for 28-pixel images:
 * <ul>
 *   <li>{@link #translateFlip} (MAE, supervised) replaces {@code RandomResizedCrop(224, scale=(0.2, 1))} + flip,
 *       since a 20 % crop of a 28-px garment leaves little of it: a shift of up to ±2 px and a flip, no
 *       resampling.</li>
 *   <li>{@link #mocoView} (MoCo v3, upstream BYOL's recipe) keeps the random resized crop (scale 0.2–1), flip
 *       and brightness/contrast jitter, with Gaussian noise in place of blur and random erasing added; both
 *       views use the same distribution (parameters on the method).</li>
 * </ul>
 * Every draw comes from the generator passed in, so a view is a pure function of (image, seed).
 */
public final class Augmentations {
    /** The smallest crop area of {@link #mocoView} (torchvision's default and BYOL's: 0.08). */
    public static final double MOCO_MIN_SCALE = 0.2;
    /** Pixels between the 28-px image and the 32-px canvas on each side. */
    static final int MARGIN = 2;

    private Augmentations() {}

    /** No augmentation: the image centred on the canvas (evaluation, linear probe). */
    public static Transform center() {
        return new Transform() {
            @Override
            public float[] apply(Image img, Random rng) {
                return finish(img, MARGIN, MARGIN);
            }

            @Override
            public boolean deterministic() {
                return true;
            }
        };
    }

    /** MAE / supervised views: a random shift of up to ±{@code maxShift} px on the canvas, then a flip (p 0.5). */
    public static Transform translateFlip(int maxShift) {
        if (maxShift < 0 || maxShift > MARGIN) {
            throw new IllegalArgumentException("shift " + maxShift + " must be within the " + MARGIN + "-px margin");
        }
        return new Transform() {
            @Override
            public float[] apply(Image img, Random rng) {
                int top = MARGIN - maxShift + rng.nextInt(2 * maxShift + 1);
                int left = MARGIN - maxShift + rng.nextInt(2 * maxShift + 1);
                return finish(Crops.hflipRandom(img, rng), top, left);
            }

            @Override
            public boolean deterministic() {
                return false;
            }
        };
    }

    /** Random resized crop (scale {@code minScale}–1, ratio 3/4–4/3) and flip only, no photometric changes. */
    public static Transform cropFlip(double minScale) {
        return new Transform() {
            @Override
            public float[] apply(Image img, Random rng) {
                return finish(Crops.hflipRandom(randomResizedCrop(img, minScale, 1.0, rng), rng), MARGIN, MARGIN);
            }

            @Override
            public boolean deterministic() {
                return false;
            }
        };
    }

    /**
     * One MoCo v3 view: random resized crop with scale 0.2–1 and ratio 3/4–4/3 (torchvision's draws, bilinear
     * resize back to 28×28), flip, brightness and contrast jitter (factors in [0.6, 1.4], p 0.8; hue, saturation
     * and grayscale mean nothing for grey images), additive Gaussian noise σ = 0.1 (p 0.5) in place of blur, and
     * random erasing of 2–15 % of the canvas (p 0.25). Upstream (BYOL's recipe: crop 0.08–1, colour jitter
     * 0.4/0.4/0.2/0.1 at p 0.8, grayscale, blur, solarize, flip) differs between its two views only in the blur
     * and solarize probabilities.
     */
    public static Transform mocoView() {
        return new Transform() {
            @Override
            public float[] apply(Image img, Random rng) {
                Image x = randomResizedCrop(img, MOCO_MIN_SCALE, 1.0, rng);
                x = Crops.hflipRandom(x, rng);
                float[] d = x.data().clone();
                if (rng.nextDouble() < 0.8) {
                    jitter(d, 0.4, rng);
                }
                if (rng.nextDouble() < 0.5) {
                    for (int i = 0; i < d.length; i++) {
                        d[i] = clip(d[i] + (float) (rng.nextGaussian() * 0.1 * 255));
                    }
                }
                float[] out = finish(new Image(x.channels(), x.height(), x.width(), d), MARGIN, MARGIN);
                if (rng.nextDouble() < 0.25) {
                    erase(out, FashionMnistImages.SIDE, 0.02, 0.15, rng);
                }
                return out;
            }

            @Override
            public boolean deterministic() {
                return false;
            }
        };
    }

    /**
     * torchvision {@code RandomResizedCrop.get_params} (up to 10 tries of area·U(scale) and
     * exp(U(log ratio)), rounded; else the whole square image), then a bilinear resize back to the
     * input size.
     */
    static Image randomResizedCrop(Image img, double minScale, double maxScale, Random rng) {
        int h = img.height();
        int w = img.width();
        double area = (double) h * w;
        double logLo = Math.log(3.0 / 4.0);
        double logHi = Math.log(4.0 / 3.0);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + (maxScale - minScale) * rng.nextDouble());
            double aspect = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int cw = (int) Math.round(Math.sqrt(target * aspect));
            int ch = (int) Math.round(Math.sqrt(target / aspect));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int top = rng.nextInt(h - ch + 1);
                int left = rng.nextInt(w - cw + 1);
                Image crop = Crops.at(img, top, left, ch, cw);
                return ch == h && cw == w ? crop : Resize.tfBilinear(crop, w, h);
            }
        }
        return img;
    }

    /** Brightness then contrast (around the image mean), each factor in [1 − s, 1 + s]; clipped to 0..255. */
    static void jitter(float[] d, double s, Random rng) {
        float b = (float) (1 - s + 2 * s * rng.nextDouble());
        float c = (float) (1 - s + 2 * s * rng.nextDouble());
        double sum = 0;
        for (int i = 0; i < d.length; i++) {
            d[i] = clip(d[i] * b);
            sum += d[i];
        }
        float mean = (float) (sum / d.length);
        for (int i = 0; i < d.length; i++) {
            d[i] = clip((d[i] - mean) * c + mean);
        }
    }

    /** torchvision {@code RandomErasing(value=0)} on the normalised canvas: one rectangle, area in [lo, hi], ratio 0.3–3.3. */
    static void erase(float[] chw, int side, double lo, double hi, Random rng) {
        double area = (double) side * side;
        double logLo = Math.log(0.3);
        double logHi = Math.log(3.3);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (lo + (hi - lo) * rng.nextDouble());
            double aspect = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int eh = (int) Math.round(Math.sqrt(target * aspect));
            int ew = (int) Math.round(Math.sqrt(target / aspect));
            if (eh < side && ew < side && eh > 0 && ew > 0) {
                int top = rng.nextInt(side - eh + 1);
                int left = rng.nextInt(side - ew + 1);
                for (int y = top; y < top + eh; y++) {
                    java.util.Arrays.fill(chw, y * side + left, y * side + left + ew, 0f);
                }
                return;
            }
        }
    }

    /** Places the image at (top, left) of the zero (black) canvas, then ToTensor and Normalize. */
    static float[] finish(Image img, int top, int left) {
        int side = FashionMnistImages.SIDE;
        // Crops.at with negative offsets is refused, so build the canvas window directly.
        float[] canvas = new float[side * side];
        for (int y = 0; y < img.height(); y++) {
            int cy = top + y;
            if (cy < 0 || cy >= side) {
                continue;
            }
            for (int x = 0; x < img.width(); x++) {
                int cx = left + x;
                if (cx >= 0 && cx < side) {
                    canvas[cy * side + cx] = img.get(0, y, x);
                }
            }
        }
        float[] t = Normalize.toTensor(new Image(1, side, side, canvas));
        return Normalize.normalize(t, 1, new float[] {FashionMnistImages.MEAN}, new float[] {FashionMnistImages.STD});
    }

    private static float clip(float v) {
        return v < 0 ? 0 : Math.min(v, 255f);
    }
}
