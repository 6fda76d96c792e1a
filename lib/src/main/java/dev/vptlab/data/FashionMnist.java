package dev.vptlab.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its IDX files ({@code train-images-idx3-ubyte[.gz]}, …), as Debian's
 * {@code dataset-fashion-mnist} installs them or {@code data-scripts/fashion-mnist} downloads them.
 *
 * @param images one 28×28 array of 0..255 values per image, row-major
 */
public record FashionMnist(List<byte[]> images, byte[] labels, int rows, int cols) {
    /** The ten classes, in label order. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Where the files are looked for, in order, when no folder is given. */
    public static List<Path> defaultLocations() {
        List<Path> l = new ArrayList<>();
        String env = System.getenv("VPTLAB_DATA");
        if (env != null) {
            l.add(Path.of(env, "fashion-mnist"));
        }
        l.add(Path.of("data", "fashion-mnist"));
        l.add(Path.of("/usr/share/datasets/fashion-mnist"));
        return l;
    }

    /** The first default location holding the files; a clear message when none does. */
    public static Path locate() {
        for (Path p : defaultLocations()) {
            if (Files.exists(p.resolve("train-images-idx3-ubyte.gz")) || Files.exists(p.resolve("train-images-idx3-ubyte"))) {
                return p;
            }
        }
        throw new dev.vptlab.VptlabException("Fashion-MNIST not found (looked in " + defaultLocations() + "). Get it with "
                + "'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu) or 'data-scripts/fashion-mnist', "
                + "or set VPTLAB_DATA to a folder holding fashion-mnist/");
    }

    /** Loads the "train" (60,000) or "t10k" (10,000) split from {@code dir}. */
    public static FashionMnist load(Path dir, String split) {
        Path img = find(dir, split + "-images-idx3-ubyte");
        Path lab = find(dir, split + "-labels-idx1-ubyte");
        ByteBuffer ib = ByteBuffer.wrap(read(img));
        ByteBuffer lb = ByteBuffer.wrap(read(lab));
        int n = header(img, ib, 0x00000803, 3);
        int rows = ib.getInt();
        int cols = ib.getInt();
        int m = header(lab, lb, 0x00000801, 1);
        if (n != m) {
            throw new DatasetException(img, n + " images but " + lab.getFileName() + " has " + m + " labels");
        }
        if (rows < 1 || cols < 1 || (long) n * rows * cols != ib.remaining()) {
            throw new DatasetException(img, "truncated or inconsistent IDX file: header says " + n + "x" + rows + "x" + cols
                    + ", data holds " + ib.remaining() + " bytes");
        }
        if (lb.remaining() != n) {
            throw new DatasetException(lab, "truncated IDX file: " + lb.remaining() + " of " + n + " labels");
        }
        List<byte[]> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[rows * cols];
            ib.get(b);
            images.add(b);
        }
        byte[] labels = new byte[n];
        lb.get(labels);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] > 9) {
                throw new DatasetException(lab, "label " + labels[i] + " of item " + i + " is outside 0..9");
            }
        }
        return new FashionMnist(images, labels, rows, cols);
    }

    private static Path find(Path dir, String base) {
        for (Path p : new Path[] {dir.resolve(base + ".gz"), dir.resolve(base)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DatasetException(dir.resolve(base + ".gz"), "not found; get Fashion-MNIST with 'sudo apt-get install "
                + "dataset-fashion-mnist' or 'data-scripts/fashion-mnist'");
    }

    private static byte[] read(Path p) {
        try (InputStream raw = Files.newInputStream(p);
                InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new DatasetException(p, "corrupt or truncated file: " + e.getMessage(), e);
        }
    }

    private static int header(Path p, ByteBuffer b, int magic, int dims) {
        if (b.remaining() < 4 + 4 * dims) {
            throw new DatasetException(p, "truncated IDX header");
        }
        int got = b.getInt();
        if (got != magic) {
            throw new DatasetException(p, String.format("bad IDX magic 0x%08x (expected 0x%08x)", got, magic));
        }
        return b.getInt();
    }

    public int size() {
        return labels.length;
    }

    /** Image i as a 1×rows×cols {@link Image} with 0..255 values. */
    public Image image(int i) {
        byte[] b = images.get(i);
        float[] d = new float[b.length];
        for (int k = 0; k < b.length; k++) {
            d[k] = b[k] & 0xff;
        }
        return new Image(1, rows, cols, d);
    }

    public int label(int i) {
        return labels[i];
    }
}
