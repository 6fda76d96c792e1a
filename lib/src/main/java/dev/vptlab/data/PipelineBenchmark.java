package dev.vptlab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Measures the input pipeline: VTAB-style (a 1,000-image split decoded and transformed once at open,
 * then batches assembled from memory) and FGVC-style (decode + resize + random crop + flip per image, in
 * parallel, every epoch). Images are synthetic JPEGs written to a temporary folder.
 */
public final class PipelineBenchmark {
    /** Images per second for each phase. */
    public record Result(int images, int side, double openImagesPerSecond, double cachedBatchImagesPerSecond,
            double onTheFlyImagesPerSecond) {}

    private PipelineBenchmark() {}

    public static Result run(int images, int jpegSide, int side, int batch) throws IOException {
        Path dir = Files.createTempDirectory("vptlab-pipeline-bench");
        Path list = writeJpegs(dir, "train", images, jpegSide, 10, 0);
        List<ListedImageDataset.Entry> entries = Vtab1k.readList(list, dir);

        long t0 = System.nanoTime();
        ListedImageDataset cached = ListedImageDataset.open("bench/cached", list, entries, 10, Pipelines.gatedVtab(side),
                LoadOptions.DEFAULT.withCacheLimit(images));
        double open = images / ((System.nanoTime() - t0) / 1e9);

        double cachedRate;
        try (NDManager m = NDManager.newBaseManager()) {
            cachedRate = epochRate(m, cached, batch);
        }
        ListedImageDataset onTheFly = ListedImageDataset.open("bench/fgvc", list, entries, 10,
                Pipelines.fgvcTrain(Math.round(side * 256f / 224f), side), LoadOptions.DEFAULT);
        double flyRate;
        try (NDManager m = NDManager.newBaseManager()) {
            flyRate = epochRate(m, onTheFly, batch);
        }
        return new Result(images, side, open, cachedRate, flyRate);
    }

    /**
     * Writes {@code n} synthetic JPEGs of {@code side} px (gradients plus noise, so they compress like photos
     * rather than flat colour) under {@code dir/images/split/}, labelled i mod {@code classes}, and the split
     * file {@code dir/split.txt} in the VTAB-1K layout (the NOAH file-list export CVPT uses). Returns the split file.
     */
    public static Path writeJpegs(Path dir, String split, int n, int side, int classes, long seed) throws IOException {
        List<String> lines = new ArrayList<>();
        Random r = new Random(seed);
        Files.createDirectories(dir.resolve("images").resolve(split));
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    img.setRGB(x, y, (x * 255 / side) << 16 | (y * 255 / side) << 8 | r.nextInt(256));
                }
            }
            String rel = "images/" + split + "/" + i + ".jpg";
            ImageIO.write(img, "jpg", dir.resolve(rel).toFile());
            lines.add(rel + " " + (i % classes));
        }
        Path list = dir.resolve(split + ".txt");
        Files.write(list, lines);
        return list;
    }

    /** Median over three passes of the split in shuffled batches, as the trainer assembles them, after a warm-up pass. */
    private static double epochRate(NDManager m, ImageDataset d, int batch) {
        double[] rates = new double[4];
        for (int pass = 0; pass < rates.length; pass++) {
            java.util.List<Integer> shuffled = new java.util.ArrayList<>(java.util.Arrays.stream(Batches.range(0, d.size())).boxed().toList());
            java.util.Collections.shuffle(shuffled, new Random(pass));
            int[] order = shuffled.stream().mapToInt(Integer::intValue).toArray();
            long t0 = System.nanoTime();
            for (int start = 0; start < d.size(); start += batch) {
                try (NDManager s = m.newSubManager()) {
                    Batches.images(s, d, java.util.Arrays.copyOfRange(order, start, Math.min(d.size(), start + batch)), i -> new Random(i));
                }
            }
            rates[pass] = d.size() / ((System.nanoTime() - t0) / 1e9);
        }
        double[] timed = java.util.Arrays.copyOfRange(rates, 1, rates.length);
        java.util.Arrays.sort(timed);
        return timed[1];
    }
}
