package dev.vptlab.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * ADE20K scene parsing ({@code ADEChallengeData2016}, in mmsegmentation's layout, as its
 * {@code configs/_base_/datasets/ade20k.py} reads it): images and single-channel annotation PNGs with values
 * 0..150. {@code reduce_zero_label}: 0 becomes 255 (ignored), 1..150 become
 * 0..149. This is the loader only; the segmentation pipeline and training are separate work.
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

    public int size() {
        return images.size();
    }

    public Image image(int i) {
        return ImageDecoder.decode(images.get(i));
    }

    /** Mask i, H×W row-major, after reduce_zero_label; a value outside 0..150 fails naming the file. */
    public int[] mask(int i) {
        Path p = annotations.get(i);
        BufferedImage m;
        try {
            m = ImageIO.read(p.toFile());
        } catch (IOException e) {
            throw new DatasetException(p, "unreadable annotation: " + e.getMessage(), e);
        }
        if (m == null || m.getRaster().getNumBands() != 1) {
            throw new DatasetException(p, "annotation must be a single-channel PNG");
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
