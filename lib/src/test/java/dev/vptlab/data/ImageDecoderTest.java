package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.testutil.Fixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decoder against Pillow: colours (fixtures from make_image_fixtures.py), truncated files, pixel limits. */
class ImageDecoderTest {
    @TempDir
    Path tmp;

    /**
     * Pillow's {@code convert("RGB")} bytes vs ours: PNG exact, JPEG within 1 level (Java's IDCT is not
     * libjpeg-turbo's). Java's default {@code getRGB} path gave CMYK JPEGs an exception or wrong colours,
     * grey+alpha 120 → 182 and 16-bit grey 40000 → 205.
     */
    @ParameterizedTest
    @CsvSource({"cmyk.jpg, 1", "ycck.jpg, 1", "la.png, 0", "palette.png, 0", "grey16.png, 0"})
    void coloursMatchPillowConvertRgb(String name, int tolerance) throws IOException {
        Path file = Fixtures.root().resolve("images").resolve(name);
        byte[] want = Files.readAllBytes(file.resolveSibling(name + ".rgb"));
        Image img = ImageDecoder.decode(file);
        assertEquals(want.length, 3 * img.height() * img.width(), "size");
        int max = 0;
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    float got = img.get(img.channels() == 1 ? 0 : c, y, x); // grey: Pillow's L → RGB replicates
                    int expected = want[(y * img.width() + x) * 3 + c] & 0xff;
                    max = Math.max(max, (int) Math.abs(got - expected));
                }
            }
        }
        System.out.println("Pillow parity " + name + ": max |diff| " + max);
        assertTrue(max <= tolerance, name + ": max difference to Pillow " + max + " > " + tolerance);
    }

    @Test
    void pillowsSpecificValuesForGreyAlphaAnd16BitGrey() {
        Path dir = Fixtures.root().resolve("images");
        assertEquals(120f, ImageDecoder.decode(dir.resolve("la.png")).get(0, 0, 0), "LA: alpha dropped, L kept");
        Image g = ImageDecoder.decode(dir.resolve("grey16.png"));
        float[] row = {g.get(0, 0, 0), g.get(0, 0, 1), g.get(0, 0, 2), g.get(0, 0, 3), g.get(0, 0, 4), g.get(0, 0, 5)};
        assertEquals("[0.0, 1.0, 200.0, 255.0, 255.0, 255.0]", Arrays.toString(row), "I → RGB clips (0, 1, 200, 255, 256, 40000)");
    }

    static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    @Test
    void truncatedJpegDataIsRefusedAsPillowDoes() throws IOException {
        byte[] full = jpeg(64, 48);
        Path ok = Files.write(tmp.resolve("ok.jpg"), full);
        assertEquals(64, ImageDecoder.decode(ok).width());
        // headers intact, scan data cut: ImageIO used to pad it with grey silently
        Path cut = Files.write(tmp.resolve("cut.jpg"), Arrays.copyOf(full, full.length * 2 / 3));
        DatasetException e = assertThrows(DatasetException.class, () -> ImageDecoder.decode(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated JPEG data"), e.getMessage());
        // only the final EOI marker missing: Pillow says "image file is truncated" too
        Path noEoi = Files.write(tmp.resolve("noeoi.jpg"), Arrays.copyOf(full, full.length - 2));
        assertThrows(DatasetException.class, () -> ImageDecoder.check(noEoi, LoadOptions.DEFAULT.maxPixels()));
    }

    /** A PNG with the given IHDR and an IDAT holding {@code idat}: hand-made headers for the size tests. */
    static byte[] png(int w, int h, int bitDepth, int colourType, byte[] idat) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) bitDepth).put((byte) colourType)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void pixelLimitIsCheckedFromTheHeaderBeforeDecoding() throws IOException {
        // 40000 x 40000 RGB: 1.6 Gpx, over Pillow's 178,956,970; used to end in OutOfMemoryError naming nothing
        Path huge = Files.write(tmp.resolve("huge.png"), png(40000, 40000, 8, 2, new byte[1000]));
        long t0 = System.nanoTime();
        DatasetException e = assertThrows(DatasetException.class, () -> ImageDecoder.decode(huge));
        assertTrue(e.getMessage().startsWith(huge + ": image is 40000x40000 = 1600000000 pixels, over the limit of 178956970"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refused from the header");
        assertEquals(178_956_970L, LoadOptions.PILLOW_MAX_PIXELS);
        // a 57-byte PNG (empty IDAT) declaring 10000 x 10000, under the limit: refused without allocating 300 MB
        byte[] tiny = png(10000, 10000, 8, 2, new byte[0]);
        assertEquals(57, tiny.length);
        Path headerOnly = Files.write(tmp.resolve("header-only.png"), tiny);
        e = assertThrows(DatasetException.class, () -> ImageDecoder.check(headerOnly, LoadOptions.PILLOW_MAX_PIXELS));
        assertTrue(e.getMessage().contains("truncated PNG") && e.getMessage().contains("1032:1"), e.getMessage());
        // the limit is the caller's: a 20x18 image over a 100-pixel limit
        Path small = tmp.resolve("small.png");
        DatasetsTest.png(small, 20, 18, 1, false);
        assertTrue(assertThrows(DatasetException.class, () -> ImageDecoder.decode(small, 100)).getMessage()
                .contains("20x18 = 360 pixels, over the limit of 100"));
        assertEquals(360, ImageDecoder.decode(small, 360).width() * 18);
    }

    @Test
    void pixelLimitDefaultFollowsTheSystemProperty() {
        String old = System.getProperty(LoadOptions.MAX_PIXELS_PROPERTY);
        try {
            System.setProperty(LoadOptions.MAX_PIXELS_PROPERTY, "400000000");
            assertEquals(400_000_000L, LoadOptions.defaultMaxPixels());
            System.setProperty(LoadOptions.MAX_PIXELS_PROPERTY, "lots");
            assertThrows(dev.vptlab.VptlabException.class, LoadOptions::defaultMaxPixels);
            System.clearProperty(LoadOptions.MAX_PIXELS_PROPERTY);
            assertEquals(178_956_970L, LoadOptions.defaultMaxPixels());
        } finally {
            if (old != null) {
                System.setProperty(LoadOptions.MAX_PIXELS_PROPERTY, old);
            }
        }
    }
}
