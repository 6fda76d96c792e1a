package dev.vptlab.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decodes JPEG/PNG files into {@link Image}s with 8-bit values: grey images keep one channel (pipelines
 * replicate it), colour images give RGB, alpha is dropped. Java's JPEG decoder is not bit-identical
 * to libjpeg as PIL uses it (spec datasets.md §1.4): expect ±1 level differences on JPEG, none on PNG.
 */
public final class ImageDecoder {
    private ImageDecoder() {}

    /** Decodes {@code file}; an unreadable, truncated or unknown-format file fails naming it. */
    public static Image decode(Path file) {
        BufferedImage img;
        try {
            if (!Files.isRegularFile(file)) {
                throw new DatasetException(file, "image file not found");
            }
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(file, "unreadable image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new DatasetException(file, "not a readable image (unknown or corrupt format)");
        }
        return fromBuffered(img);
    }

    /** Converts a decoded image; 8-bit grey stays 1 channel, everything else becomes RGB. */
    public static Image fromBuffered(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        boolean grey = img.getColorModel().getNumColorComponents() == 1 && r.getNumBands() <= 2 && img.getColorModel().getPixelSize() <= 16
                && img.getType() == BufferedImage.TYPE_BYTE_GRAY;
        if (grey) {
            float[] d = new float[w * h];
            r.getSamples(0, 0, w, h, 0, d);
            return new Image(1, h, w, d);
        }
        float[] d = new float[3 * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                d[y * w + x] = (p >> 16) & 0xff;
                d[(h + y) * w + x] = (p >> 8) & 0xff;
                d[(2 * h + y) * w + x] = p & 0xff;
            }
        }
        return new Image(3, h, w, d);
    }
}
