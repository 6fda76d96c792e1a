package dev.vptlab.data;

import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * libjpeg's YCCK → CMYK step (jdcolor.c {@code ycck_cmyk_convert}), which ImageIO skips when it hands over a
 * 4-component JPEG's raster: Y/Cb/Cr go through the JFIF YCbCr → RGB conversion in libjpeg's 16-bit fixed
 * point ({@code build_ycc_rgb_table}), each result is inverted (C = 255 − R, …) and K passes through. The
 * result is what libjpeg gives Pillow for a YCCK file (Adobe transform 2, as Photoshop writes CMYK JPEGs),
 * i.e. the same stored samples as a plain CMYK file.
 */
final class JpegYcc {
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegYcc() {}

    private static int fix(double v) {
        return (int) (v * (1 << SCALEBITS) + 0.5);
    }

    /** Raw Y, Cb, Cr, K samples → stored C, M, Y, K samples. */
    static Raster ycckToStoredCmyk(Raster ycck) {
        int w = ycck.getWidth();
        int h = ycck.getHeight();
        WritableRaster out = ycck.createCompatibleWritableRaster(w, h);
        int[] p = new int[4];
        for (int yy = 0; yy < h; yy++) {
            for (int x = 0; x < w; x++) {
                ycck.getPixel(ycck.getMinX() + x, ycck.getMinY() + yy, p);
                int y = p[0];
                int cb = p[1];
                int cr = p[2];
                int r = clamp(y + CR_R[cr]);
                int g = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                int b = clamp(y + CB_B[cb]);
                p[0] = 255 - r;
                p[1] = 255 - g;
                p[2] = 255 - b;
                out.setPixel(x, yy, p);
            }
        }
        return out;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
