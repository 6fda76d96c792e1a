package dev.vptlab.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * ADE20K scene parsing ({@code ADEChallengeData2016}, in mmsegmentation's layout, as its
 * {@code configs/_base_/datasets/ade20k.py} reads it): images and single-channel annotation PNGs with values
 * 0..150. {@code reduce_zero_label}: 0 becomes 255 (ignored), 1..150 become
 * 0..149. {@link #check} verifies a split before training (mmseg itself finds bad files only when it reaches
 * them); {@link SegPipeline} turns an image and its mask into training samples.
 */
public final class Ade20k {
    /** Pixel label ignored by the loss and the mIoU. */
    public static final int IGNORE = 255;
    public static final int CLASSES = 150;

    private final Path root;
    private final String split;
    private final List<Path> images;
    private final List<Path> annotations;

    private Ade20k(Path root, String split, List<Path> images, List<Path> annotations) {
        this.root = root;
        this.split = split;
        this.images = images;
        this.annotations = annotations;
    }

    /** Opens "training" or "validation": every image must have its annotation. */
    public static Ade20k open(Path root, String split) {
        Path imgDir = root.resolve("images").resolve(split);
        Path annDir = root.resolve("annotations").resolve(split);
        if (!Files.isDirectory(imgDir) || !Files.isDirectory(annDir)) {
            throw new DatasetException(root, "not an ADEChallengeData2016 folder: expected images/" + split + " and annotations/" + split);
        }
        List<Path> imgs = new ArrayList<>();
        List<Path> anns = new ArrayList<>();
        try (Stream<Path> s = Files.list(imgDir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".jpg")).sorted().toList()) {
                String stem = p.getFileName().toString().replaceFirst("\\.jpg$", "");
                Path a = annDir.resolve(stem + ".png");
                if (!Files.isRegularFile(a)) {
                    throw new DatasetException(p, "has no annotation " + a);
                }
                imgs.add(p);
                anns.add(a);
            }
        } catch (IOException e) {
            throw new DatasetException(imgDir, "cannot list: " + e.getMessage(), e);
        }
        if (imgs.isEmpty()) {
            throw new DatasetException(imgDir, "empty split: no .jpg images");
        }
        return new Ade20k(root, split, imgs, anns);
    }

    /** {@link #open} followed by {@link #check()}: a split that fails fails here, before any training. */
    public static Ade20k openChecked(Path root, String split) {
        Ade20k d = open(root, split);
        d.check();
        return d;
    }

    /** {@link #check(boolean)} without decoding the images: their headers give their sizes. */
    public void check() {
        check(false);
    }

    /**
     * Verifies every (image, annotation) pair, in parallel, and throws a {@link DatasetException} naming the file
     * for the first bad pair in file order (problems in other files are attached as suppressed exceptions, at most
     * 20): an unreadable, corrupt or truncated file, an image or annotation over the pixel limit
     * ({@link LoadOptions#DEFAULT}), an annotation that is not single-channel, whose size differs from its image,
     * or that holds a value outside 0..150 (naming the pixel). Image sizes come from the JPEG/PNG headers, read
     * without decoding the pixels; each annotation is decoded once, after its header passed the size checks, so
     * memory stays bounded by the pixel limit per worker. An image smaller than the crop is fine (the pipeline
     * pads). With {@code decodeImages} every image is also decoded once ({@link ImageDecoder}, its verdict
     * remembered across processes), which finds truncated JPEG data that a header cannot show.
     */
    public void check(boolean decodeImages) {
        long maxPixels = LoadOptions.DEFAULT.maxPixels();
        DatasetException[] problems = new DatasetException[images.size()];
        IntStream.range(0, images.size()).parallel().forEach(i -> {
            try {
                checkPair(images.get(i), annotations.get(i), maxPixels, decodeImages);
            } catch (DatasetException e) {
                problems[i] = e;
            } catch (RuntimeException | OutOfMemoryError e) {
                problems[i] = new DatasetException(annotations.get(i), "cannot be checked (" + e + ")", e);
            }
        });
        DatasetException first = null;
        int others = 0;
        for (DatasetException p : problems) {
            if (p == null) {
                continue;
            }
            if (first == null) {
                first = p;
            } else if (others++ < 20) {
                first.addSuppressed(p);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void checkPair(Path image, Path annotation, long maxPixels, boolean decodeImage) {
        int[] isize = headerSize(image, maxPixels);
        if (decodeImage) {
            CheckedImages.check(image, maxPixels);
        }
        int[] asize = headerSize(annotation, maxPixels);
        if (asize[0] != isize[0] || asize[1] != isize[1]) {
            throw new DatasetException(annotation, "annotation is " + asize[1] + "x" + asize[0] + " (WxH) but its image "
                    + image.getFileName() + " is " + isize[1] + "x" + isize[0]);
        }
        readMask(annotation);
    }

    /**
     * {height, width} from the file's header, without decoding pixels; an unreadable or unknown file, a zero or
     * over-limit size, or (PNG) more pixel rows than deflate can hold in the file's size fails naming the file.
     */
    static int[] headerSize(Path file, long maxPixels) {
        return ImageDecoder.withReader(file, "file not found", true, "unreadable image header", r -> {
            long[] wh = ImageDecoder.checkedSize(file, r, maxPixels);
            return new int[] {(int) wh[1], (int) wh[0]};
        });
    }

    public int size() {
        return images.size();
    }

    public Image image(int i) {
        return ImageDecoder.decode(images.get(i));
    }

    /**
     * Mask i, H×W row-major, after reduce_zero_label; an unreadable, corrupt or truncated file, or a value
     * outside 0..150, fails naming the file (and the pixel).
     */
    public int[] mask(int i) {
        return readMask(annotations.get(i));
    }

    static int[] readMask(Path p) {
        BufferedImage m;
        try {
            m = ImageIO.read(p.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DatasetException(p, "unreadable annotation (" + e + ")", e);
        } catch (OutOfMemoryError e) {
            throw new DatasetException(p, "not enough memory to decode the annotation");
        }
        if (m == null) {
            throw new DatasetException(p, "not a readable image (unknown or corrupt format)");
        }
        if (m.getRaster().getNumBands() != 1) {
            throw new DatasetException(p, "annotation must be a single-channel PNG, has " + m.getRaster().getNumBands() + " channels");
        }
        Raster r = m.getRaster();
        int w = m.getWidth();
        int h = m.getHeight();
        int[] v = r.getSamples(0, 0, w, h, 0, new int[w * h]);
        for (int k = 0; k < v.length; k++) {
            int x = v[k];
            if (x < 0 || x > CLASSES) {
                throw new DatasetException(p, "mask value " + x + " at pixel (" + (k % w) + ", " + (k / w) + ") is outside 0.." + CLASSES);
            }
            v[k] = x == 0 ? IGNORE : x - 1;
        }
        return v;
    }

    /** {height, width} of annotation i, read from its header (as its image's, once {@link #check()} passed). */
    public int[] annotationSize(int i) {
        return headerSize(annotations.get(i), LoadOptions.DEFAULT.maxPixels());
    }

    public Path imageFile(int i) {
        return images.get(i);
    }

    public String split() {
        return split;
    }

    public Path root() {
        return root;
    }
}
