package dev.vptlab.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Decodes image files (JPEG, PNG, anything ImageIO reads) into {@link Image}s with Pillow's 8-bit values
 * ({@link PillowColours}): grey images keep one channel (pipelines replicate it), colour images give RGB,
 * alpha is dropped. Files Pillow refuses are refused here too, with a {@link DatasetException} naming the
 * file: truncated data, and images over a pixel limit (checked from the header, before any pixel memory
 * is allocated). Java's JPEG decoder is not bit-identical to the libjpeg-turbo Pillow uses: expect ±1
 * level on JPEG, none on PNG.
 */
public final class ImageDecoder {
    /**
     * Deflate cannot compress by more than 1032:1 (zlib's technical details), so a PNG whose pixel rows
     * need more than that many times its file size is truncated; refusing it from the header avoids
     * allocating the declared size first (a 57-byte PNG can declare gigabytes).
     */
    static final long DEFLATE_MAX_RATIO = 1032;

    private ImageDecoder() {}

    /** Decodes {@code file} with the default pixel limit ({@link LoadOptions#DEFAULT}). */
    public static Image decode(Path file) {
        return decode(file, LoadOptions.DEFAULT.maxPixels());
    }

    /** Decodes {@code file}; an unreadable, truncated, oversized or unknown-format file fails naming it. */
    public static Image decode(Path file, long maxPixels) {
        return read(file, maxPixels, true);
    }

    /** Fully decodes {@code file} and drops the pixels: the check a split makes of every image at open. */
    public static void check(Path file, long maxPixels) {
        read(file, maxPixels, false);
    }

    private static Image read(Path file, long maxPixels, boolean convert) {
        return withReader(file, "image file not found", false, "unreadable image", r -> read(file, r, maxPixels, convert));
    }

    /**
     * {width, height} from the reader's header, refused before any pixel is decoded when there are none, more than
     * {@code maxPixels}, or (PNG) more rows than deflate can hold in the file's size.
     */
    static long[] checkedSize(Path file, ImageReader r, long maxPixels) throws IOException {
        long w = r.getWidth(0);
        long h = r.getHeight(0);
        if (w < 1 || h < 1) {
            throw new DatasetException(file, "image has no pixels (" + w + "x" + h + ")");
        }
        if (w * h > maxPixels) {
            throw new DatasetException(file, "image is " + w + "x" + h + " = " + w * h + " pixels, over the limit of "
                    + maxPixels + " (Pillow's decompression-bomb error threshold by default; raise it with "
                    + LoadOptions.MAX_PIXELS_PROPERTY + ")");
        }
        if (r.getFormatName().toLowerCase(java.util.Locale.ROOT).equals("png")) {
            checkDeflateBound(file, r, w, h);
        }
        return new long[] {w, h};
    }

    /** What to do with an image reader set on a file. */
    @FunctionalInterface
    interface ReaderBody<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /**
     * Opens {@code file} with the first ImageIO reader that knows its format, runs {@code body} and disposes of the
     * reader; a missing file, an unknown format or any failure is a {@link DatasetException} naming the file.
     *
     * @param ignoreMetadata true when only the header is needed (sizes), false to decode pixels
     */
    static <T> T withReader(Path file, String missing, boolean ignoreMetadata, String unreadable, ReaderBody<T> body) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, missing);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DatasetException(file, "not a readable image (unknown or corrupt format)");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, ignoreMetadata);
                return body.apply(r);
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(file, unreadable + " (" + e.getMessage() + ")", e);
        }
    }

    private static Image read(Path file, ImageReader r, long maxPixels, boolean convert) throws IOException {
        String format = r.getFormatName().toLowerCase(java.util.Locale.ROOT);
        long[] size = checkedSize(file, r, maxPixels);
        long w = size[0];
        long h = size[1];
        List<String> warnings = new ArrayList<>();
        r.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        Image out;
        try {
            int transform = format.equals("jpeg") ? fourComponentJpeg(r) : -1;
            if (transform >= 0) {
                // ImageIO cannot colour-convert CMYK/YCCK; its raster read hands over the stored samples.
                java.awt.image.Raster raw = r.readRaster(0, null);
                checkJpegWarnings(file, warnings);
                return convert ? PillowColours.cmykJpeg(transform == 2 ? JpegYcc.ycckToStoredCmyk(raw) : raw) : null;
            }
            BufferedImage img = r.read(0);
            checkJpegWarnings(file, warnings);
            out = convert ? PillowColours.of(img) : null;
        } catch (OutOfMemoryError e) {
            throw new DatasetException(file, "not enough memory to decode a " + w + "x" + h + " image; lower "
                    + LoadOptions.MAX_PIXELS_PROPERTY + " or raise the JVM's -Xmx");
        }
        return out;
    }

    /**
     * libjpeg reports data that ends early as warnings ("Premature end of JPEG file", "Missing EOI marker") and
     * pads with grey; Pillow refuses such files ("image file is truncated"), so they are refused here too.
     * Other libjpeg warnings (extraneous bytes between markers, …) Pillow ignores, and so does this.
     */
    private static void checkJpegWarnings(Path file, List<String> warnings) {
        for (String w : warnings) {
            String lower = w.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("missing eoi") || lower.contains("truncated")) {
                throw new DatasetException(file, "truncated JPEG data (" + w + "); Pillow refuses it too");
            }
        }
    }

    static void checkDeflateBound(Path file, ImageReader r, long w, long h) throws IOException {
        ImageTypeSpecifier t = r.getRawImageType(0);
        ColorModel cm = t == null ? null : t.getColorModel();
        if (cm == null) {
            return;
        }
        long rowBytes = (w * cm.getPixelSize() + 7) / 8;
        long size = Files.size(file);
        if (rowBytes * h > DEFLATE_MAX_RATIO * size) {
            throw new DatasetException(file, "truncated PNG: the header declares " + w + "x" + h + " (" + rowBytes * h
                    + " bytes of pixel rows), more than deflate's 1032:1 maximum ratio allows in a " + size + "-byte file");
        }
    }

    /**
     * -1 unless the JPEG has 4 components; then the Adobe APP14 transform (0 = CMYK, 2 = YCCK; 0 when there
     * is no Adobe marker, as libjpeg assumes).
     */
    private static int fourComponentJpeg(ImageReader r) throws IOException {
        IIOMetadata md = r.getImageMetadata(0);
        Node root = md == null ? null : md.getAsTree("javax_imageio_jpeg_image_1.0");
        Node sof = find(root, "sof");
        if (sof == null || !"4".equals(attribute(sof, "numFrameComponents"))) {
            return -1;
        }
        Node adobe = find(root, "app14Adobe");
        String t = adobe == null ? null : attribute(adobe, "transform");
        return t == null ? 0 : Integer.parseInt(t);
    }

    private static Node find(Node n, String name) {
        if (n == null) {
            return null;
        }
        if (n.getNodeName().equals(name)) {
            return n;
        }
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node f = find(c, name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    private static String attribute(Node n, String name) {
        NamedNodeMap a = n.getAttributes();
        Node v = a == null ? null : a.getNamedItem(name);
        return v == null ? null : v.getNodeValue();
    }
}
