package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.train.Trainer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny datasets in each layout, built here: counts, label mapping and every bad-input case. */
class DatasetsTest {
    @TempDir
    Path tmp;

    static void png(Path file, int w, int h, int seed, boolean grey) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    /** A VTAB-1K-style task with {@code n} images per split file. */
    Path vtabTask(String key, int classes, int n) throws IOException {
        Path dir = tmp.resolve("vtab-1k").resolve(key);
        for (String split : List.of("train800", "val200", "train800val200", "test")) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String rel = "images/" + split + "/" + String.format("%06d.png", i);
                png(dir.resolve(rel), 20 + i % 3, 18, i, i % 4 == 0);
                lines.add(rel + " " + (i % classes));
            }
            Files.write(dir.resolve(split + ".txt"), lines);
        }
        return dir;
    }

    static final Transform IDENTITY_16 = new Transform() {
        @Override
        public float[] apply(Image img, Random rng) {
            Image rgb = img.channels() == 1 ? Normalize.grayToRgb(img) : img;
            return Normalize.toTensor(Resize.tfBilinear(rgb, 16, 16));
        }

        @Override
        public boolean deterministic() {
            return true;
        }
    };

    @Test
    void vtabFileListsOpenWithCountsAndLabels() throws IOException {
        Path dir = vtabTask("dtd", 47, 6);
        Splits s = Vtab1k.open(dir, "dtd", IDENTITY_16, LoadOptions.DEFAULT);
        assertEquals(6, s.train().size());
        assertEquals(47, s.train().numClasses());
        assertEquals(5, s.test().label(5));
        assertArrayEquals(new int[] {3, 16, 16}, s.train().imageShape());
        assertTrue(((ListedImageDataset) s.train()).cached(), "small deterministic splits are decoded once");
        assertFalse(((ListedImageDataset) Vtab1k.split(dir, Vtab1k.task("dtd"), "test", IDENTITY_16,
                LoadOptions.DEFAULT.withCacheLimit(2))).cached());
        assertEquals(3 * 16 * 16, s.val().image(0, new Random(0)).length);
        assertEquals(19, Vtab1k.tasks().size());
        assertEquals("images/test/000005.png", s.test().path(5), "paths as the list file writes them");
    }

    @Test
    void aClassFolderTaskCountsAndNamesItsClassesFromTheData() throws IOException {
        Path dir = tmp.resolve("pets");
        for (String split : List.of("train", "test")) {
            for (String c : List.of("dog", "cat", "bird")) {
                png(dir.resolve(split + "/" + c + "/a.png"), 20, 18, c.length(), false);
                png(dir.resolve(split + "/" + c + "/b.png"), 20, 18, 7, true);
            }
        }
        Files.writeString(dir.resolve("train/.DS_Store"), "hidden files are skipped");
        FolderTask.Contents c = FolderTask.read(dir);
        assertEquals(List.of("bird", "cat", "dog"), c.classNames(), "sorted, as ImageFolder labels them");
        assertEquals(null, c.val());
        Splits s = FolderTask.open(dir, IDENTITY_16, LoadOptions.DEFAULT, 3);
        assertEquals(6, s.train().size());
        assertEquals("train/bird/a.png", s.train().path(0));
        assertEquals(2, s.test().label(5));
        assertEquals("test/dog/b.png", s.test().path(5));

        DatasetException heads = assertThrows(DatasetException.class, () -> FolderTask.open(dir, IDENTITY_16, LoadOptions.DEFAULT, 5));
        assertTrue(heads.getMessage().startsWith(dir + ": holds 3 classes (class folders), the run's head has 5"), heads.getMessage());
        png(dir.resolve("test/fish/a.png"), 20, 18, 1, false);
        DatasetException unknown = assertThrows(DatasetException.class, () -> FolderTask.read(dir));
        assertTrue(unknown.getMessage().startsWith(dir.resolve("test/fish") + ": class folder 'fish' is not among the training classes"),
                unknown.getMessage());
        Files.delete(dir.resolve("test/fish/a.png"));
        Files.delete(dir.resolve("test/fish"));
        Files.writeString(dir.resolve("train/cat/notes.png"), "not an image");
        DatasetException bad = assertThrows(DatasetException.class, () -> FolderTask.open(dir, IDENTITY_16, LoadOptions.DEFAULT, 3));
        assertTrue(bad.getMessage().startsWith(dir.resolve("train/cat") + ":3: "), bad.getMessage());
    }

    @Test
    void aFileListFolderOpensWithItsOwnSplitNamesAndTheKnownChecks() throws IOException {
        Path dir = tmp.resolve("mine");
        for (String split : List.of("train", "val", "test")) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String rel = "img/" + split + i + ".png";
                png(dir.resolve(rel), 20, 18, i, false);
                lines.add(rel + " " + (i % 4));
            }
            Files.write(dir.resolve(split + ".txt"), lines);
        }
        FolderTask.Contents c = FolderTask.read(dir);
        assertEquals("file lists", c.layout());
        assertEquals(4, c.classNames().size(), "the largest label + 1");
        Splits s = FolderTask.open(dir, IDENTITY_16, LoadOptions.DEFAULT, 4);
        assertEquals("img/val3.png", s.val().path(3));
        Files.write(dir.resolve("test.txt"), List.of("img/test0.png 0", "img/missing.png 1"));
        DatasetException e = assertThrows(DatasetException.class, () -> FolderTask.open(dir, IDENTITY_16, LoadOptions.DEFAULT, 4));
        assertTrue(e.getMessage().startsWith(dir.resolve("test.txt") + ":2: listed image not found"), e.getMessage());
        DatasetException none = assertThrows(DatasetException.class, () -> FolderTask.read(dir.resolve("img")));
        assertTrue(none.getMessage().contains("not a task folder"), none.getMessage());
    }

    @Test
    void savedLogitsNameImagesByTheListsRelativePaths() throws IOException {
        Path dir = vtabTask("dtd", 47, 3);
        ImageDataset test = Vtab1k.open(dir, "dtd", IDENTITY_16, LoadOptions.DEFAULT).test();
        Path csv = tmp.resolve("logits.csv");
        dev.vptlab.train.Evaluator.saveLogits(csv, test, new float[3 * 47]);
        List<String> rows = Files.readAllLines(csv);
        assertEquals(4, rows.size());
        assertTrue(rows.get(1).startsWith("images/test/000000.png,0,0.0,"), rows.get(1));
        assertTrue(rows.get(3).startsWith("images/test/000002.png,2,"), rows.get(3));
    }

    @Test
    void cachedBatchesAreGatheredExactly() throws IOException {
        Path dir = vtabTask("svhn", 10, 7);
        ListedImageDataset d = Vtab1k.split(dir, Vtab1k.task("svhn"), "test", IDENTITY_16, LoadOptions.DEFAULT);
        assertTrue(d.cached());
        int[] idx = {6, 0, 3, 3};
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            float[] got = Batches.images(m, d, idx, i -> new Random(0)).toFloatArray();
            int per = 3 * 16 * 16;
            for (int j = 0; j < idx.length; j++) {
                float[] want = IDENTITY_16.apply(ImageDecoder.decode(dir.resolve(String.format("images/test/%06d.png", idx[j]))), null);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(got, j * per, (j + 1) * per), "item " + j);
            }
        }
    }

    @Test
    void vtabBadInputNamesFileAndLine() throws IOException {
        Path dir = vtabTask("kitti", 4, 3);
        Path list = dir.resolve("test.txt");
        Files.write(list, List.of("images/test/000000.png 1", "images/test/missing.png 2"));
        DatasetException e = assertThrows(DatasetException.class, () -> Vtab1k.open(dir, "kitti", IDENTITY_16, LoadOptions.DEFAULT));
        assertTrue(e.getMessage().startsWith(list + ":2: listed image not found"), e.getMessage());
        Files.write(list, List.of("images/test/000000.png 4"));
        e = assertThrows(DatasetException.class, () -> Vtab1k.open(dir, "kitti", IDENTITY_16, LoadOptions.DEFAULT));
        assertTrue(e.getMessage().contains(":1: label 4 is outside the task's classes 0..3"), e.getMessage());
        Files.write(list, List.of("images/test/000000.png"));
        e = assertThrows(DatasetException.class, () -> Vtab1k.open(dir, "kitti", IDENTITY_16, LoadOptions.DEFAULT));
        assertTrue(e.getMessage().contains(":1: expected '<relative path> <label>'"), e.getMessage());
        Files.write(list, List.of());
        e = assertThrows(DatasetException.class, () -> Vtab1k.open(dir, "kitti", IDENTITY_16, LoadOptions.DEFAULT));
        assertTrue(e.getMessage().contains("empty split"), e.getMessage());
    }

    @Test
    void corruptImagesFailAtOpenOrAreSkippedAndCounted() throws IOException {
        Path dir = vtabTask("eurosat", 10, 4);
        Path bad = dir.resolve("images/train800val200/000002.png");
        byte[] full = Files.readAllBytes(bad);
        Files.write(bad, java.util.Arrays.copyOf(full, 40)); // truncated PNG
        DatasetException e = assertThrows(DatasetException.class,
                () -> Vtab1k.split(dir, Vtab1k.task("eurosat"), "train800val200", IDENTITY_16, LoadOptions.DEFAULT));
        assertTrue(e.getMessage().contains("train800val200.txt:3:") && e.getMessage().contains("000002.png"), e.getMessage());
        ListedImageDataset d = Vtab1k.split(dir, Vtab1k.task("eurosat"), "train800val200", IDENTITY_16,
                LoadOptions.DEFAULT.withSkipCorrupt(true));
        assertEquals(3, d.size());
        assertEquals(1, d.skipped());
        Files.write(bad, "not an image at all".getBytes());
        e = assertThrows(DatasetException.class, () -> Vtab1k.split(dir, Vtab1k.task("eurosat"), "train800val200", IDENTITY_16,
                LoadOptions.DEFAULT.withCacheLimit(0)));
        assertTrue(e.getMessage().contains(":3:"), "uncached splits probe headers at open: " + e.getMessage());
    }

    @Test
    void everyImageIsDecodedAtOpenEvenInSplitsTooLargeToCache() throws IOException {
        // cacheLimit 0 stands for a VTAB test split over 2,000 images: only headers were read there, so a JPEG
        // cut inside its scan data failed after an epoch of training (and skip-corrupt could not drop it)
        Path dir = vtabTask("sun397", 397, 3);
        Path cut = dir.resolve("images/test/cut.jpg");
        byte[] jpg = ImageDecoderTest.jpeg(40, 30);
        Files.write(cut, java.util.Arrays.copyOf(jpg, jpg.length * 2 / 3));
        Path list = dir.resolve("test.txt");
        Files.write(list, List.of("images/test/000000.png 0", "images/test/000001.png 1", "images/test/cut.jpg 2",
                "images/test/000002.png 3"));
        LoadOptions uncached = LoadOptions.DEFAULT.withCacheLimit(0);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Vtab1k.split(dir, Vtab1k.task("sun397"), "test", IDENTITY_16, uncached));
        assertTrue(e.getMessage().startsWith(list + ":3: " + cut + ": truncated JPEG data"), e.getMessage());
        ListedImageDataset d = Vtab1k.split(dir, Vtab1k.task("sun397"), "test", IDENTITY_16, uncached.withSkipCorrupt(true));
        assertFalse(d.cached());
        assertEquals(3, d.size());
        assertEquals(List.of(e.getMessage()), d.skippedImages(), "skipped images are listed with file, line and problem");
        assertEquals(3, d.label(2), "entries after the skipped one keep their labels");
        assertEquals(d.skippedImages(), FirstImages.of(d, 2).skippedImages(), "wrappers report what their split skipped");
    }

    @Test
    void checksOfUncachedSplitsAreRememberedBySizeAndModificationTime() throws IOException {
        Path dir = vtabTask("clevr_count", 8, 3);
        LoadOptions uncached = LoadOptions.DEFAULT.withCacheLimit(0);
        Vtab1k.split(dir, Vtab1k.task("clevr_count"), "test", IDENTITY_16, uncached);
        Path img = dir.resolve("images/test/000001.png");
        byte[] good = Files.readAllBytes(img);
        java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(img);
        byte[] bad = good.clone();
        java.util.Arrays.fill(bad, 8, bad.length, (byte) 0); // same size, broken chunks
        Files.write(img, bad);
        Files.setLastModifiedTime(img, mtime);
        // same size and mtime: the reopen trusts the earlier check instead of decoding again
        Vtab1k.split(dir, Vtab1k.task("clevr_count"), "test", IDENTITY_16, uncached);
        Files.setLastModifiedTime(img, java.nio.file.attribute.FileTime.fromMillis(mtime.toMillis() + 2000));
        DatasetException e = assertThrows(DatasetException.class,
                () -> Vtab1k.split(dir, Vtab1k.task("clevr_count"), "test", IDENTITY_16, uncached));
        assertTrue(e.getMessage().contains("test.txt:2:"), "a changed file is checked afresh: " + e.getMessage());
    }

    @Test
    void oversizedImageInASplitFailsAtOpenNamingFileAndLine() throws IOException {
        Path dir = vtabTask("dsprites_loc", 16, 2);
        Path huge = Files.write(dir.resolve("images/test/huge.png"), ImageDecoderTest.png(40000, 40000, 8, 2, new byte[100]));
        Files.write(dir.resolve("test.txt"), List.of("images/test/000000.png 0", "images/test/huge.png 1"));
        DatasetException e = assertThrows(DatasetException.class,
                () -> Vtab1k.split(dir, Vtab1k.task("dsprites_loc"), "test", IDENTITY_16, LoadOptions.DEFAULT));
        assertTrue(e.getMessage().startsWith(dir.resolve("test.txt") + ":2: " + huge + ": image is 40000x40000"), e.getMessage());
    }

    @Test
    void symbolicLinksLeavingTheTaskFolderAreRefused() throws IOException {
        Path dir = vtabTask("dmlab", 6, 2);
        Path outside = tmp.resolve("outside/secret.png");
        png(outside, 8, 8, 3, false);
        Files.createSymbolicLink(dir.resolve("images/test/link.png"), outside);
        Files.createSymbolicLink(dir.resolve("images/test/inside.png"), dir.resolve("images/test/000000.png"));
        Path list = dir.resolve("test.txt");
        Files.write(list, List.of("images/test/inside.png 0", "images/test/link.png 1"));
        DatasetException e = assertThrows(DatasetException.class, () -> Vtab1k.readList(list, dir));
        assertTrue(e.getMessage().startsWith(list + ":2: images/test/link.png leads outside the folder")
                && e.getMessage().contains("symbolic link"), e.getMessage());
        Files.write(list, List.of("images/test/inside.png 0", "../outside/secret.png 1"));
        e = assertThrows(DatasetException.class, () -> Vtab1k.readList(list, dir));
        assertTrue(e.getMessage().startsWith(list + ":2: path escapes the folder"), e.getMessage());
        Files.write(list, List.of("images/test/inside.png 0"));
        assertEquals(1, Vtab1k.readList(list, dir).size(), "a link that stays inside is fine");
        Path imageDir = tmp.resolve("fgvc/cub/images");
        Files.createDirectories(imageDir);
        Files.createSymbolicLink(imageDir.resolve("a.png"), outside);
        Files.writeString(tmp.resolve("fgvc/cub/train.json"), "{\"a.png\": 1}");
        e = assertThrows(DatasetException.class, () -> Fgvc.readSplit(tmp.resolve("fgvc/cub/train.json"), imageDir, 200));
        assertTrue(e.getMessage().contains("train.json:1: a.png leads outside the folder"), e.getMessage());
    }

    @Test
    void splitFilesAreStrictUtf8WithAByteOrderMarkSkipped() throws IOException {
        Path dir = vtabTask("caltech101", 102, 2);
        Path list = dir.resolve("test.txt");
        byte[] text = "images/test/000000.png 0\nimages/test/000001.png 1\n".getBytes(StandardCharsets.UTF_8);
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Files.write(list, concat(bom, text));
        List<ListedImageDataset.Entry> e = Vtab1k.readList(list, dir);
        assertEquals(dir.resolve("images/test/000000.png"), e.get(0).file(), "the BOM is not part of the first path");
        byte[] latin1 = "images/test/000000.png 0\nimages/test/caf\u00e9.png 1\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(list, latin1);
        DatasetException x = assertThrows(DatasetException.class, () -> Vtab1k.readList(list, dir));
        assertEquals(list + ":2: not UTF-8 text: byte 0xE9 at byte 16 of the line; save the file as UTF-8", x.getMessage());
        Path json = Files.write(tmp.resolve("train.json"), concat(bom, "{\"a.png\": 3}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, Fgvc.readSplit(json, tmp, 200).get(0).label(), "JSON splits skip the BOM too");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void fgvcJsonSplitsRemapPerSplitLikeUpstream() throws IOException {
        Path dir = tmp.resolve("fgvc/flowers");
        Fgvc.Dataset ds = Fgvc.dataset("flowers");
        StringBuilder json = new StringBuilder("{");
        for (int c = 0; c < ds.classes(); c++) {
            String rel = "jpg/img_" + c + ".png";
            png(dir.resolve(ds.imageDir()).resolve(rel), 12, 10, c, false);
            json.append(c == 0 ? "" : ",").append('"').append(rel).append("\": ").append(c + 1); // ids 1..C as in CUB
        }
        Files.writeString(dir.resolve("train.json"), json.append('}').toString());
        List<ListedImageDataset.Entry> e = Fgvc.readSplit(dir.resolve("train.json"), dir.resolve(ds.imageDir()), ds.classes());
        assertEquals(0, e.get(0).label());
        assertEquals(ds.classes() - 1, e.get(ds.classes() - 1).label());
        // a split lacking class 2: reproduced (later labels shift), with a warning
        Files.writeString(dir.resolve("val.json"), "{\"jpg/img_0.png\": 1, \"jpg/img_2.png\": 3}");
        List<ListedImageDataset.Entry> v = Fgvc.readSplit(dir.resolve("val.json"), dir.resolve(ds.imageDir()), ds.classes());
        assertEquals(1, v.get(1).label(), "upstream per-split remap: id 3 becomes label 1 in a split without id 2");
        Files.writeString(dir.resolve("test.json"), "[1, 2]");
        assertThrows(DatasetException.class, () -> Fgvc.readSplit(dir.resolve("test.json"), dir, ds.classes()));
    }

    @Test
    void ade20kMasksAreZeroReduced() throws IOException {
        Path root = tmp.resolve("ADEChallengeData2016");
        png(root.resolve("images/validation/ADE_val_00000001.jpg"), 8, 6, 1, false);
        BufferedImage m = new BufferedImage(8, 6, BufferedImage.TYPE_BYTE_GRAY);
        m.getRaster().setSample(0, 0, 0, 0);
        m.getRaster().setSample(1, 0, 0, 1);
        m.getRaster().setSample(2, 0, 0, 150);
        Files.createDirectories(root.resolve("annotations/validation"));
        ImageIO.write(m, "png", root.resolve("annotations/validation/ADE_val_00000001.png").toFile());
        Ade20k d = Ade20k.open(root, "validation");
        int[] mask = d.mask(0);
        assertEquals(Ade20k.IGNORE, mask[0]);
        assertEquals(0, mask[1]);
        assertEquals(149, mask[2]);
        m.getRaster().setSample(3, 0, 0, 151);
        ImageIO.write(m, "png", root.resolve("annotations/validation/ADE_val_00000001.png").toFile());
        DatasetException e = assertThrows(DatasetException.class, () -> d.mask(0));
        assertTrue(e.getMessage().contains("mask value 151 at pixel (3, 0) is outside 0..150"), e.getMessage());
        png(root.resolve("images/validation/ADE_val_00000002.jpg"), 8, 6, 2, false);
        assertThrows(DatasetException.class, () -> Ade20k.open(root, "validation"), "an image without annotation");
    }

    static void idx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4 + 4 * dims.length);
        h.putInt(magic);
        for (int d : dims) {
            h.putInt(d);
        }
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(h.array());
            o.write(data);
        }
    }

    @Test
    void fashionMnistIdxFilesAndTheirErrors() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fm"));
        byte[] px = new byte[3 * 28 * 28];
        px[5] = (byte) 200;
        idx(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, new int[] {3, 28, 28}, px);
        idx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {9, 0, 4});
        FashionMnist f = FashionMnist.load(dir, "t10k");
        assertEquals(3, f.size());
        assertEquals(9, f.label(0));
        assertEquals(200f, f.image(0).data()[5]);
        idx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {9, 0});
        assertTrue(assertThrows(DatasetException.class, () -> FashionMnist.load(dir, "t10k")).getMessage().contains("truncated"));
        idx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x999, new int[] {3}, new byte[] {9, 0, 4});
        assertTrue(assertThrows(DatasetException.class, () -> FashionMnist.load(dir, "t10k")).getMessage().contains("bad IDX magic"));
        assertTrue(assertThrows(DatasetException.class, () -> FashionMnist.load(dir, "train")).getMessage()
                .contains("dataset-fashion-mnist"), "a missing split says how to get it");
    }

    @Test
    void debianFashionMnistLoadsWhenInstalled() {
        Path debian = Path.of("/usr/share/datasets/fashion-mnist");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(debian), "dataset-fashion-mnist not installed");
        FashionMnist f = FashionMnist.load(debian, "t10k");
        assertEquals(10_000, f.size());
        int[] counts = new int[10];
        for (int i = 0; i < f.size(); i++) {
            counts[f.label(i)]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
    }
}
