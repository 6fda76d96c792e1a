package dev.vptlab.data;

import java.util.Random;
import java.util.function.BiFunction;

/**
 * The per-method preprocessing pipelines of the official code (VTAB-1K: GatedPT's {@code tf_dataset.py},
 * CVPT's {@code dataset.py}; FGVC: VPT's {@code src/data/transforms.py}), each ending in ToTensor and ImageNet
 * normalisation.
 *
 * <p>One-channel images are replicated to RGB, as upstream's {@code convert("RGB")} does. Every geometric step
 * here treats channels independently, so the replication is done after resizing and cropping: the result is
 * identical to replicating first, at a third of the cost. (dSprites' ×255 scaling for GatedPT belongs to its
 * loader, not here.)
 */
public final class Pipelines {
    private Pipelines() {}

    /**
     * GatedPT / VPT on VTAB-1K: TF2 bilinear resize (half-pixel, no antialias, float) to size×size, ÷255,
     * ImageNet mean/std. No augmentation, train and eval alike.
     */
    public static Transform gatedVtab(int size) {
        checkSize(size);
        return new Named("gatedVtab(" + size + ")", true, (img, rng) -> finish(Resize.tfBilinear(img, size, size)));
    }

    /**
     * CVPT on VTAB-1K: torchvision {@code Resize((size, size))} bicubic on the PIL image (Pillow's 8-bit
     * resampler), ToTensor, ImageNet mean/std. No augmentation.
     */
    public static Transform cvptVtab(int size) {
        checkSize(size);
        return new Named("cvptVtab(" + size + ")", true, (img, rng) -> finish(Resize.pilBicubic(img, size, size)));
    }

    /**
     * FGVC training (both methods): {@code Resize(resize)} on the shorter side (PIL bilinear),
     * {@code RandomCrop(crop)}, {@code RandomHorizontalFlip(0.5)}, ToTensor, ImageNet mean/std. The generator
     * is drawn in torchvision's order: crop top, crop left, flip coin.
     */
    public static Transform fgvcTrain(int resize, int crop) {
        checkSizes(resize, crop);
        return new Named("fgvcTrain(" + resize + ", " + crop + ")", false, (img, rng) -> {
            Image r = Resize.shorterSide(img, resize, Resize.Filter.BILINEAR);
            Image c = Crops.random(r, crop, crop, rng);
            return finish(Crops.hflipRandom(c, rng));
        });
    }

    /** FGVC evaluation: {@code Resize(resize)} (PIL bilinear), {@code CenterCrop(crop)}, ToTensor, mean/std. */
    public static Transform fgvcEval(int resize, int crop) {
        checkSizes(resize, crop);
        return new Named("fgvcEval(" + resize + ", " + crop + ")", true, (img, rng) -> {
            Image r = Resize.shorterSide(img, resize, Resize.Filter.BILINEAR);
            return finish(Crops.center(r, crop, crop));
        });
    }

    /** Grey to RGB if needed, ÷255, ImageNet normalisation. */
    static float[] finish(Image img) {
        Image rgb = img.channels() == 1 ? Normalize.grayToRgb(img) : img;
        if (rgb.channels() != 3) {
            throw new IllegalArgumentException("expected 1 or 3 channels, got " + img.channels());
        }
        return Normalize.normalize(Normalize.toTensor(rgb), 3, Normalize.IMAGENET_MEAN, Normalize.IMAGENET_STD);
    }

    private static void checkSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size " + size);
        }
    }

    private static void checkSizes(int resize, int crop) {
        checkSize(resize);
        if (crop < 1 || crop > resize) {
            throw new IllegalArgumentException("crop " + crop + " for resize " + resize);
        }
    }

    private record Named(String name, boolean deterministic, BiFunction<Image, Random, float[]> fn)
            implements Transform {
        @Override
        public float[] apply(Image img, Random rng) {
            return fn.apply(img, rng);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
