package dev.vptlab.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns decoded samples into the 8-bit values Pillow's {@code Image.open(f).convert("RGB")} gives, which is
 * what the upstream loaders (torchvision's {@code pil_loader}, timm) train on. Java's {@code getRGB} instead
 * treats grey as linear light and converts it to sRGB (grey 120 becomes 182) and rescales 16-bit samples,
 * so samples are read from the raster and mapped with Pillow's own rules (its {@code PngImagePlugin._MODES},
 * {@code Unpack.c} and {@code Convert.c}). Grey results keep one channel; pipelines replicate it, as
 * Pillow's {@code L → RGB} does.
 */
final class PillowColours {
    private PillowColours() {}

    /** A decoded {@link BufferedImage}, alpha dropped (Pillow's {@code LA/RGBA/P → RGB} ignore alpha). */
    static Image of(BufferedImage img) {
        Raster r = img.getRaster();
        if (img.getColorModel() instanceof IndexColorModel icm) {
            return palette(r, icm);
        }
        if (img.getColorModel() instanceof ComponentColorModel cm) {
            int type = cm.getColorSpace().getType();
            int bits = cm.getComponentSize(0);
            if (type == ColorSpace.TYPE_GRAY) {
                return grey(r, bits, cm.hasAlpha());
            }
            if (type == ColorSpace.TYPE_RGB && r.getNumBands() >= 3) {
                // Raw samples, whatever ICC profile the file names: convert("RGB") does no colour management.
                return rgb(r, bits);
            }
        }
        return packed(img);
    }

    /** Palette index → palette entry, as Pillow's {@code P → RGB} (transparency ignored). */
    private static Image palette(Raster r, IndexColorModel icm) {
        int w = r.getWidth();
        int h = r.getHeight();
        float[] d = new float[3 * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int i = row[x];
                d[y * w + x] = icm.getRed(i);
                d[(h + y) * w + x] = icm.getGreen(i);
                d[(2 * h + y) * w + x] = icm.getBlue(i);
            }
        }
        return new Image(3, h, w, d);
    }

    /**
     * One grey channel. 16-bit grey without alpha opens in Pillow as mode {@code I} and {@code I → RGB}
     * clips to 0..255 (40000 becomes 255, not 40000/257); 16-bit grey with alpha opens through rawmode
     * {@code LA;16B}, which keeps the high byte; 1/2/4-bit grey unpack to 0..255 by exact scaling
     * ({@code L;2}: v × 0x55).
     */
    private static Image grey(Raster r, int bits, boolean alpha) {
        int w = r.getWidth();
        int h = r.getHeight();
        int[] s = r.getSamples(0, 0, w, h, 0, (int[]) null);
        float[] d = new float[w * h];
        int max = (1 << bits) - 1;
        for (int i = 0; i < d.length; i++) {
            int v = s[i];
            if (bits == 16) {
                v = alpha ? v >> 8 : Math.min(v, 255);
            } else if (bits < 8) {
                v = v * 255 / max;
            }
            d[i] = v;
        }
        return new Image(1, h, w, d);
    }

    /** Three colour bands; 16-bit samples keep their high byte, as Pillow's {@code RGB;16B} unpacker does. */
    private static Image rgb(Raster r, int bits) {
        int w = r.getWidth();
        int h = r.getHeight();
        float[] d = new float[3 * w * h];
        int[] s = new int[w * h];
        int shift = Math.max(0, bits - 8);
        for (int c = 0; c < 3; c++) {
            r.getSamples(0, 0, w, h, c, s);
            for (int i = 0; i < s.length; i++) {
                d[c * w * h + i] = s[i] >> shift;
            }
        }
        return new Image(3, h, w, d);
    }

    /** Packed sRGB pixels (BMP, GIF and other formats ImageIO hands over as int RGB): {@code getRGB} is exact there. */
    private static Image packed(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
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

    /**
     * A 4-component JPEG's raw samples as Pillow converts them. Pillow opens every CMYK JPEG with rawmode
     * {@code CMYK;I} ("assume adobe conventions", JpegImagePlugin), i.e. it inverts the stored values, then
     * {@code Convert.c}'s {@code cmyk2rgb} gives R = nk − MULDIV255(C, nk) with nk = 255 − K (so
     * R ≈ (255 − C)(255 − K)/255, not 255 − C − K). On the stored (inverted) samples c, k that is
     * R = k − MULDIV255(255 − c, k).
     */
    static Image cmykJpeg(Raster raw) {
        int w = raw.getWidth();
        int h = raw.getHeight();
        int n = w * h;
        int[] k = raw.getSamples(0, 0, w, h, 3, (int[]) null);
        int[] s = new int[n];
        float[] d = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            raw.getSamples(0, 0, w, h, c, s);
            for (int i = 0; i < n; i++) {
                d[c * n + i] = k[i] - mulDiv255(255 - s[i], k[i]);
            }
        }
        return new Image(3, h, w, d);
    }

    /** Pillow's {@code MULDIV255(a, b)}: a × b / 255 rounded, in integers. */
    static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
