package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link Ade20k#check} before training: random small ADEChallengeData2016 folders written to a temporary
 * folder, clean or with one defect injected into one file, must pass or fail with a {@link DatasetException}
 * naming exactly that file (and the pixel, for an out-of-range value), within bounded time. Hand-picked cases
 * follow the properties.
 */
class Ade20kCheckTest {
    /** The defects a split can carry; each names the file it must be reported against. */
    enum Defect {
        NONE, SIZE_MISMATCH, VALUE_OUT_OF_RANGE, TRUNCATED_ANNOTATION, GARBAGE_ANNOTATION, RGB_ANNOTATION,
        CUT_IMAGE_HEADER, GARBAGE_IMAGE, TRUNCATED_IMAGE_DATA, MISSING_ANNOTATION
    }

    /** A split of {@code sizes.length} pairs; {@code defect} hits pair {@code target}; {@code seed} drives the rest. */
    record Case(int[][] sizes, Defect defect, int target, long seed) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(defect + " in pair " + target + ", seed " + seed + ", sizes");
            for (int[] s : sizes) {
                b.append(' ').append(s[0]).append('x').append(s[1]);
            }
            return b.toString();
        }
    }

    private String cacheBefore;
    private Path cache;

    @BeforeProperty
    void ownImageCheckCache() throws IOException {
        cacheBefore = System.getProperty("vptlab.imageCheckCache");
        cache = Files.createTempDirectory("ade-check-cache");
        System.setProperty("vptlab.imageCheckCache", cache.toString());
    }

    @AfterProperty
    void restore() {
        if (cacheBefore == null) {
            System.clearProperty("vptlab.imageCheckCache");
        } else {
            System.setProperty("vptlab.imageCheckCache", cacheBefore);
        }
        delete(cache);
    }

    @Provide
    Arbitrary<Case> splits() {
        Arbitrary<int[]> size = Combinators.combine(Arbitraries.integers().between(1, 24), Arbitraries.integers().between(1, 24))
                .as((h, w) -> new int[] {h, w});
        return Combinators.combine(size.array(int[][].class).ofMinSize(1).ofMaxSize(5), Arbitraries.of(Defect.class),
                Arbitraries.integers().between(0, 4), Arbitraries.longs()).as((s, d, t, seed) -> new Case(s, d, t % s.length, seed));
    }

    @Property(tries = 80, seed = "20261206") // fixed: the test command gives the same verdict every run
    void aDefectIsReportedAgainstItsFileAndACleanSplitPasses(@ForAll("splits") Case c) throws IOException {
        Statistics.collect(c.defect());
        Statistics.coverage(k -> {
            for (Defect d : Defect.values()) {
                k.check(d).count(n -> n >= 3); // every defect (and a clean split) is tried several times
            }
        });
        Path root = Files.createTempDirectory("ade-check");
        try {
            Path bad = write(root, c);
            long t0 = System.nanoTime();
            DatasetException e = null;
            try {
                Ade20k.openChecked(root, "training").check(true);
            } catch (DatasetException x) {
                e = x;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 10_000, c + ": took " + ms + " ms");
            if (c.defect() == Defect.NONE) {
                assertEquals(null, e, c + ": a clean split passes");
                Ade20k d = Ade20k.open(root, "training");
                for (int i = 0; i < d.size(); i++) {
                    assertEquals(c.sizes()[i][0] * c.sizes()[i][1], d.mask(i).length);
                }
                return;
            }
            assertTrue(e != null, c + ": the defect must be found");
            assertTrue(e.getMessage().startsWith(bad + ":"), c + ": names " + bad + ": " + e.getMessage());
            if (c.defect() == Defect.VALUE_OUT_OF_RANGE) {
                int[] px = defectPixel(c);
                assertTrue(e.problem().contains("at pixel (" + px[1] + ", " + px[0] + ")"), c + ": names the pixel: " + e.getMessage());
            }
        } finally {
            delete(root);
        }
    }

    /** Header-only check (the default): every defect a header or an annotation shows is still caught. */
    @Property(tries = 60, seed = "20261207") // fixed: the test command gives the same verdict every run
    void theHeaderOnlyCheckFindsEverythingButTruncatedImageData(@ForAll("splits") Case c) throws IOException {
        Path root = Files.createTempDirectory("ade-check");
        try {
            Path bad = write(root, c);
            if (c.defect() == Defect.NONE || c.defect() == Defect.TRUNCATED_IMAGE_DATA) {
                Ade20k.openChecked(root, "training"); // truncated scan data is only seen by decoding: check(true)
                return;
            }
            DatasetException e = assertThrows(DatasetException.class, () -> Ade20k.openChecked(root, "training"), c.toString());
            assertTrue(e.getMessage().startsWith(bad + ":"), c + ": names " + bad + ": " + e.getMessage());
        } finally {
            delete(root);
        }
    }

    private static Path tiny(Path root, int n, int h, int w) throws IOException {
        return write(root, new Case(java.util.stream.IntStream.range(0, n).mapToObj(i -> new int[] {h, w}).toArray(int[][]::new),
                Defect.NONE, 0, 7));
    }

    @Example
    void imagesSmallerThanTheCropPassAndSamplesArePadded() throws IOException {
        Path root = Files.createTempDirectory("ade-check");
        try {
            tiny(root, 2, 3, 5);
            Ade20k d = Ade20k.openChecked(root, "training");
            SegSample s = SegPipeline.train(Bgr8.of(d.image(0)), d.mask(0), new java.util.SplittableRandom(1));
            assertEquals(512, s.height());
            assertEquals(512, s.width());
        } finally {
            delete(root);
        }
    }

    @Example
    void theFirstBadFileInOrderIsReportedWithTheOthersSuppressed() throws IOException {
        Path root = Files.createTempDirectory("ade-check");
        try {
            tiny(root, 4, 6, 7);
            Path ann = root.resolve("annotations/training");
            BufferedImage m = new BufferedImage(7, 6, BufferedImage.TYPE_BYTE_GRAY);
            m.getRaster().setSample(4, 2, 0, 200);
            ImageIO.write(m, "png", ann.resolve("ADE_train_00000002.png").toFile());
            Files.write(ann.resolve("ADE_train_00000004.png"), new byte[] {1, 2, 3});
            DatasetException e = assertThrows(DatasetException.class, () -> Ade20k.openChecked(root, "training"));
            assertEquals(ann.resolve("ADE_train_00000002.png") + ": mask value 200 at pixel (4, 2) is outside 0..150", e.getMessage());
            assertEquals(1, e.getSuppressed().length);
            assertTrue(e.getSuppressed()[0].getMessage().startsWith(ann.resolve("ADE_train_00000004.png") + ":"),
                    e.getSuppressed()[0].getMessage());
        } finally {
            delete(root);
        }
    }

    @Example
    void aSizeMismatchNamesBothSizes() throws IOException {
        Path root = Files.createTempDirectory("ade-check");
        try {
            tiny(root, 1, 6, 7);
            Path a = root.resolve("annotations/training/ADE_train_00000001.png");
            ImageIO.write(new BufferedImage(7, 5, BufferedImage.TYPE_BYTE_GRAY), "png", a.toFile());
            DatasetException e = assertThrows(DatasetException.class, () -> Ade20k.openChecked(root, "training"));
            assertEquals(a + ": annotation is 7x5 (WxH) but its image ADE_train_00000001.jpg is 7x6", e.getMessage());
        } finally {
            delete(root);
        }
    }

    @Example
    void anEmptySplitAndAnOversizedHeaderFailTyped() throws IOException {
        Path root = Files.createTempDirectory("ade-check");
        try {
            Files.createDirectories(root.resolve("images/training"));
            Files.createDirectories(root.resolve("annotations/training"));
            DatasetException e = assertThrows(DatasetException.class, () -> Ade20k.openChecked(root, "training"));
            assertTrue(e.getMessage().contains("empty split"), e.getMessage());
            // a 1x1 image, and a 67-byte PNG annotation declaring 60000x60000 pixels: refused from its header
            tiny(root, 1, 1, 1);
            Path a = root.resolve("annotations/training/ADE_train_00000001.png");
            byte[] b = Files.readAllBytes(a);
            java.nio.ByteBuffer.wrap(b).putInt(16, 60000).putInt(20, 60000);
            Files.write(a, b);
            e = assertThrows(DatasetException.class, () -> Ade20k.openChecked(root, "training"));
            assertTrue(e.getMessage().startsWith(a + ":"), e.getMessage());
        } finally {
            delete(root);
        }
    }

    /** The (y, x) of the out-of-range value a VALUE_OUT_OF_RANGE case writes. */
    private static int[] defectPixel(Case c) {
        Random r = new Random(c.seed() ^ 0x5EED);
        int[] s = c.sizes()[c.target()];
        return new int[] {r.nextInt(s[0]), r.nextInt(s[1])};
    }

    /** Writes the split; returns the file the defect must be reported against (null for NONE). */
    static Path write(Path root, Case c) throws IOException {
        Path imgDir = Files.createDirectories(root.resolve("images/training"));
        Path annDir = Files.createDirectories(root.resolve("annotations/training"));
        Random r = new Random(c.seed());
        Path bad = null;
        for (int i = 0; i < c.sizes().length; i++) {
            int h = c.sizes()[i][0];
            int w = c.sizes()[i][1];
            String stem = String.format("ADE_train_%08d", i + 1);
            Path img = imgDir.resolve(stem + ".jpg");
            Path ann = annDir.resolve(stem + ".png");
            BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    rgb.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            ImageIO.write(rgb, "jpg", img.toFile());
            boolean hit = i == c.target();
            int ah = hit && c.defect() == Defect.SIZE_MISMATCH && r.nextBoolean() ? h + 1 : h;
            int aw = hit && c.defect() == Defect.SIZE_MISMATCH && ah == h ? w + 1 + r.nextInt(3) : w;
            BufferedImage m = new BufferedImage(aw, ah, hit && c.defect() == Defect.RGB_ANNOTATION ? BufferedImage.TYPE_INT_RGB
                    : BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < ah; y++) {
                for (int x = 0; x < aw; x++) {
                    int v = r.nextInt(Ade20k.CLASSES + 1);
                    if (m.getRaster().getNumBands() == 1) {
                        m.getRaster().setSample(x, y, 0, v);
                    } else {
                        m.setRGB(x, y, v * 0x010101);
                    }
                }
            }
            if (hit && c.defect() == Defect.VALUE_OUT_OF_RANGE) {
                int[] px = defectPixel(c);
                m.getRaster().setSample(px[1], px[0], 0, Ade20k.CLASSES + 1 + new Random(c.seed()).nextInt(255 - Ade20k.CLASSES));
            }
            ImageIO.write(m, "png", ann.toFile());
            if (!hit) {
                continue;
            }
            switch (c.defect()) {
                case NONE -> { }
                case SIZE_MISMATCH, VALUE_OUT_OF_RANGE, RGB_ANNOTATION -> bad = ann;
                case TRUNCATED_ANNOTATION -> {
                    // cut inside the compressed pixel data (before IDAT's CRC, zlib's Adler-32 and IEND)
                    byte[] b = Files.readAllBytes(ann);
                    Files.write(ann, java.util.Arrays.copyOf(b, r.nextInt(Math.max(1, b.length - 24))));
                    bad = ann;
                }
                case GARBAGE_ANNOTATION -> {
                    Files.write(ann, randomBytes(r));
                    bad = ann;
                }
                case CUT_IMAGE_HEADER -> {
                    byte[] b = Files.readAllBytes(img);
                    Files.write(img, java.util.Arrays.copyOf(b, r.nextInt(100))); // the frame header (SOF) comes later
                    bad = img;
                }
                case GARBAGE_IMAGE -> {
                    Files.write(img, randomBytes(r));
                    bad = img;
                }
                case TRUNCATED_IMAGE_DATA -> {
                    byte[] b = Files.readAllBytes(img);
                    int sos = lastMarker(b, 0xDA);
                    Files.write(img, java.util.Arrays.copyOf(b, sos + 14 + r.nextInt(Math.max(1, b.length - 2 - sos - 14))));
                    bad = img;
                }
                case MISSING_ANNOTATION -> {
                    Files.delete(ann);
                    bad = img; // Ade20k.open names the image that has no annotation
                }
            }
        }
        return bad;
    }

    /** Offset of the last 0xFF {@code marker} in a JPEG (the start of scan, for 0xDA). */
    private static int lastMarker(byte[] b, int marker) {
        for (int i = b.length - 2; i >= 0; i--) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == marker) {
                return i;
            }
        }
        throw new AssertionError("no marker " + marker);
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(200)];
        r.nextBytes(b);
        return b;
    }

    static void delete(Path p) {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
