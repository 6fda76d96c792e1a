package dev.vptlab.train;

import dev.vptlab.prompt.VptShallow;
import dev.vptlab.data.Splits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.task.DataSources;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.testutil.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path tmp;

    static RunConfig.Builder small(String method) {
        RunConfig.Builder b = method.equals("cvpt") ? RunConfig.cvpt().lr(1e-3) : RunConfig.gated().lr(0.1);
        return b.task("synthetic").backbone(Fixtures.vit("vit_timm.safetensors").toString()).heads(3).numClasses(10)
                .method(MethodConfig.of(method, 4).withSettings(java.util.Map.of("gate_init", 1f))).pooling(Pooling.CLS).epochs(3).warmupEpochs(1)
                .batchSize(32);
    }

    static Splits splits(RunConfig c) {
        return DataSources.synthetic(32, 3, c.numClasses(), c.seed());
    }

    static RunRecord train(RunConfig c, Path dir) {
        return new Trainer(c, splits(c), dir, new Progress(Progress.Mode.QUIET, System.err)).run(false);
    }

    /** metrics.csv without the timing columns (seconds, images_per_s), which differ run to run. */
    static List<String> metricsWithoutTiming(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.csv"))) {
            String[] f = line.split(",", -1);
            out.add(String.join(",", java.util.Arrays.copyOf(f, f.length - 2)));
        }
        return out;
    }

    @Test
    void sameSeedGivesIdenticalMetrics() throws IOException {
        for (String method : List.of("gated", "cvpt")) {
            RunConfig c = small(method).build();
            train(c, tmp.resolve(method + "-a"));
            train(c, tmp.resolve(method + "-b"));
            List<String> a = metricsWithoutTiming(tmp.resolve(method + "-a"));
            assertEquals(4, a.size());
            assertEquals(a, metricsWithoutTiming(tmp.resolve(method + "-b")), method);
            for (String f : List.of(Trainer.STATE_FILE, Trainer.TRAINABLE_FILE)) {
                assertArrayEquals(Files.readAllBytes(tmp.resolve(method + "-a").resolve(f)),
                        Files.readAllBytes(tmp.resolve(method + "-b").resolve(f)), method + " " + f + " byte-identical");
            }
        }
    }

    @Test
    void augmentedDataDecodedAheadIsReproducible() throws IOException {
        RunConfig c = small("gated").epochs(2).build();
        Splits aug = new Splits(new dev.vptlab.data.SyntheticDataset("aug/train", 128, 10, 3, 32, 5, true),
                null, new dev.vptlab.data.SyntheticDataset("aug/test", 64, 10, 3, 32, 6, false));
        new Trainer(c, aug, tmp.resolve("aug-a"), new Progress(Progress.Mode.QUIET, System.err)).run(false);
        new Trainer(c, aug, tmp.resolve("aug-b"), new Progress(Progress.Mode.QUIET, System.err)).run(false);
        assertEquals(metricsWithoutTiming(tmp.resolve("aug-a")), metricsWithoutTiming(tmp.resolve("aug-b")));
    }

    @Test
    void trainingReducesTheLoss() {
        RunRecord r = train(small("gated").method(MethodConfig.of("vpt-shallow", 4)).epochs(8).warmupEpochs(1).lr(0.05).build(), tmp.resolve("learn"));
        List<EpochMetrics> e = r.epochs();
        assertTrue(e.get(e.size() - 1).trainLoss() < e.get(1).trainLoss() - 0.2, "loss " + e.get(1).trainLoss() + " -> "
                + e.get(e.size() - 1).trainLoss());
        assertEquals(RunRecord.FINISHED, r.status());
        assertEquals(e.size(), RunRecord.read(tmp.resolve("learn")).epochs().size());
    }

    @Test
    void resumeWithAnotherConfigSaysWhichFieldsDiffer() {
        RunConfig c = small("gated").epochs(2).build();
        Path dir = tmp.resolve("r");
        train(c, dir);
        RunConfig other = c.toBuilder().lr(0.5).batchSize(16).build();
        VptlabException e = assertThrows(VptlabException.class,
                () -> new Trainer(other, splits(other), dir, new Progress(Progress.Mode.QUIET, System.err)).run(true));
        assertTrue(e.getMessage().contains("lr: 0.1 -> 0.5") && e.getMessage().contains("batch_size: 32 -> 16"), e.getMessage());
        assertThrows(VptlabException.class, () -> train(c, dir), "a second fresh run into the same folder is refused");
    }

    @Test
    void nativeMemoryDoesNotGrowOver400Steps() throws Exception {
        // A fresh JVM with one intra-op thread, so the measurement sees this run only (MemoryProbe says how).
        Path err = tmp.resolve("probe.err");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Xmx512m", "-Dvptlab.fixtures=" + System.getProperty("vptlab.fixtures"),
                "-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName(), tmp.resolve("mem").toString(), "400")
                .redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        String log = out + Files.readString(err);
        assertEquals(0, p.waitFor(), log);
        List<int[]> arrays = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("sample ")) {
                String[] f = line.split(" ");
                arrays.add(new int[] {Integer.parseInt(f[1]), Integer.parseInt(f[2])});
            }
        }
        // malloc_stats() prints per arena, then "Total (incl. mmap):" and its own "in use bytes" line.
        List<Double> inUse = new ArrayList<>();
        String[] lines = Files.readString(err).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("Total (incl. mmap)")) {
                inUse.add(Long.parseLong(lines[i + 2].replaceAll("[^0-9]", "")) / 1048576.0);
            }
        }
        assertEquals(8, arrays.size(), log);
        assertEquals(8, inUse.size(), log);
        // After a 100-step warm-up the run's manager holds a constant set of arrays ...
        for (int[] x : arrays.subList(1, arrays.size())) {
            assertEquals(arrays.get(1)[1], x[1], "arrays held by the run's manager at step " + x[0] + "\n" + log);
        }
        // ... and the C heap stays flat. It wanders by ~10 MiB either way (JIT, I/O threads), so a leak is read as the
        // lowest of the last three samples (steps 300-400) above the highest of the first three (100-200). Leaking one
        // input batch per step (32x3x32x32 floats) would put that at >= 37 MiB; one step's autograd graph far more.
        double early = Collections.max(inUse.subList(1, 4));
        double late = Collections.min(inUse.subList(5, 8));
        assertTrue(late - early < 16, "C heap in use grew from " + early + " to " + late + " MiB: " + inUse + "\n" + log);
    }

    @Test
    void skipCorruptLeavesOutUnreadableImagesAndTheRecordListsThem() throws IOException {
        Path task = tmp.resolve("data/vtab-1k/eurosat");
        for (String split : List.of("train800val200", "val200", "test")) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(20, 20, java.awt.image.BufferedImage.TYPE_INT_RGB);
                img.setRGB(i, i, 0xffffff);
                Path f = task.resolve("images/" + split + "/" + i + ".png");
                Files.createDirectories(f.getParent());
                javax.imageio.ImageIO.write(img, "png", f.toFile());
                lines.add("images/" + split + "/" + i + ".png " + i % 10);
            }
            Files.write(task.resolve(split + ".txt"), lines);
        }
        Files.writeString(task.resolve("images/test/4.png"), "not an image");
        RunConfig c = small("gated").task("eurosat").numClasses(10).batchSize(4).epochs(1).warmupEpochs(0).build();
        try (RunSeries plain = new RunSeries(tmp.resolve("data"))) {
            dev.vptlab.data.DatasetException e = assertThrows(dev.vptlab.data.DatasetException.class,
                    () -> plain.run(c, tmp.resolve("strict"), new Progress(Progress.Mode.QUIET, System.err), false));
            assertTrue(e.getMessage().contains("test.txt:5:"), "refused at open, before training: " + e.getMessage());
        }
        assertTrue(!Files.exists(tmp.resolve("strict/record.json")), "no training started");
        RunRecord r;
        try (RunSeries lenient = new RunSeries(tmp.resolve("data"), dev.vptlab.data.LoadOptions.DEFAULT.withSkipCorrupt(true))) {
            r = lenient.run(c, tmp.resolve("lenient"), new Progress(Progress.Mode.QUIET, System.err), false);
        }
        assertEquals(RunRecord.FINISHED, r.status());
        assertEquals(1, r.skippedImages().size());
        assertTrue(r.skippedImages().get(0).startsWith(task.resolve("test.txt") + ":5: " + task.resolve("images/test/4.png")),
                r.skippedImages().get(0));
        assertEquals(r.skippedImages(), RunRecord.read(tmp.resolve("lenient")).skippedImages(), "written to record.json");
    }

    @Test
    void badConfigsAreRefusedBeforeTraining() {
        assertThrows(VptlabException.class, () -> small("gated").lr(-1).build());
        assertThrows(VptlabException.class, () -> small("gated").epochs(0).build());
        RunConfig big = small("gated").batchSize(1000).build();
        VptlabException e = assertThrows(VptlabException.class,
                () -> new Trainer(big, splits(big), tmp.resolve("x"), new Progress(Progress.Mode.QUIET, System.err)));
        assertTrue(e.getMessage().contains("batch size 1000 is larger than the training split"), e.getMessage());
        RunConfig wrongClasses = small("gated").numClasses(7).build();
        Splits s = splits(small("gated").build());
        assertThrows(VptlabException.class, () -> new Trainer(wrongClasses, s, tmp.resolve("y"), new Progress(Progress.Mode.QUIET, System.err)));
    }

    @Test
    void prefixCacheGivesTheSameRunAsNoCache() throws IOException {
        MethodConfig k7 = VptShallow.Config.of(4).withInsertBlock(7);
        RunConfig cached = small("gated").method(k7).build();
        RunConfig plain = cached.toBuilder().prefixCache(false).build();
        train(cached, tmp.resolve("cached"));
        train(plain, tmp.resolve("plain"));
        List<String> a = metricsWithoutTiming(tmp.resolve("cached"));
        List<String> b = metricsWithoutTiming(tmp.resolve("plain"));
        assertEquals(a.size(), b.size());
        for (int i = 1; i < a.size(); i++) {
            String[] x = a.get(i).split(",", -1);
            String[] y = b.get(i).split(",", -1);
            for (int j = 0; j < x.length; j++) {
                if (!x[j].isEmpty()) {
                    double u = Double.parseDouble(x[j]);
                    double v = Double.parseDouble(y[j]);
                    assertTrue(Math.abs(u - v) <= 1e-4 * Math.max(1, Math.abs(v)), "row " + i + " col " + j + ": " + u + " vs " + v);
                }
            }
        }
    }

    @Test
    void runsSharingPrefixCachesGiveTheRunsOfTheirOwn() throws IOException {
        // The sweep order of the block-location study: each run carries the previous run's caches on to its block.
        RunConfig base = small("gated").epochs(2).build();
        Splits shared = splits(base);
        try (SharedPrefixCaches caches = new SharedPrefixCaches()) {
            int[] blocks = {3, 8, 8};
            for (int i = 0; i < blocks.length; i++) {
                RunConfig c = base.toBuilder().method(VptShallow.Config.of(4).withInsertBlock(blocks[i])).build();
                train(c, tmp.resolve("own-" + i));
                new Trainer(c, shared, tmp.resolve("shared-" + i), new Progress(Progress.Mode.QUIET, System.err))
                        .withSharedPrefixCaches(caches).run(false);
                assertEquals(metricsWithoutTiming(tmp.resolve("own-" + i)), metricsWithoutTiming(tmp.resolve("shared-" + i)),
                        "k " + blocks[i]);
            }
            // train, val and test: built at k = 3, carried on to k = 8, then handed out again
            assertEquals("3 built, 3 carried on, 3 reused", caches.counts());
            // A run without a prefix (k = 1) releases them: the next k = 8 run builds its own.
            for (int k : new int[] {1, 8}) {
                RunConfig c = base.toBuilder().method(VptShallow.Config.of(4).withInsertBlock(k)).build();
                new Trainer(c, shared, tmp.resolve("after-" + k), new Progress(Progress.Mode.QUIET, System.err))
                        .withSharedPrefixCaches(caches).run(false);
            }
            assertEquals("6 built, 3 carried on, 3 reused", caches.counts());
        }
    }

    static double rssMiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return Double.NaN;
    }
}
