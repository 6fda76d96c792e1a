package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.reproduce.EmbeddedBackbones;
import dev.vptlab.train.EpochMetrics;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunFolderException;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.Sgd;
import dev.vptlab.train.TrainStep;
import dev.vptlab.util.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fm-seg runs of the mini benchmark on the embedded MAE trunk: folder contents, learning, resume, refusals, memory. */
class SegTrainerTest {
    @TempDir
    static Path trunks;
    static Path mae;

    @BeforeAll
    static void extract() {
        mae = EmbeddedBackbones.extract("mae", trunks, false, m -> { });
    }

    static SegConfig small(String recipe, long iterations, long evalEvery) {
        return SegRecipes.mini(recipe, mae.toString(), iterations).with(b -> {
            b.evalEvery = evalEvery;
            b.batchSize = 4;
            b.trainLimit = 16;
            b.testLimit = 16;
        });
    }

    static SegTrainer trainer(SegConfig c, Path dir, Progress progress) {
        SegTasks.Splits s = SegTasks.open(c, null);
        return new SegTrainer(c, s.train(), s.test(), s.classNames(), dir, progress);
    }

    static Progress quiet() {
        return new Progress(Progress.Mode.QUIET, System.err);
    }

    @Test
    void aShortRunWritesAFinishedRecordWithOnePeriodPerEvaluation(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunRecord r = trainer(small("gated", 4, 2), dir, quiet()).run(false);
        RunRecord onDisk = RunRecord.read(dir);
        assertEquals(RunRecord.FINISHED, onDisk.status());
        assertEquals(2, onDisk.epochs().size());
        assertEquals(r.epochs().size(), onDisk.epochs().size());
        for (EpochMetrics e : onDisk.epochs()) {
            double miou = e.test().miou();
            assertTrue(Double.isFinite(miou) && miou >= 0 && miou <= 100, "mIoU " + miou);
            assertTrue(e.test().aacc() >= 0 && e.test().aacc() <= 100, "aAcc " + e.test().aacc());
            assertTrue(Double.isFinite(e.trainLoss()) && e.trainLoss() > 0, "loss " + e.trainLoss());
        }
        List<String> metrics = Files.readAllLines(dir.resolve(RunFolder.METRICS_FILE));
        assertEquals(String.join(",", RunFolder.SEGMENTATION_METRICS_COLUMNS), metrics.get(0));
        assertEquals(3, metrics.size(), String.join("\n", metrics));
        List<String> classIou = Files.readAllLines(dir.resolve(SegTrainer.CLASS_IOU_FILE));
        assertEquals(12, classIou.size(), String.join("\n", classIou));
        assertTrue(classIou.get(0).startsWith("class,name,iou"), classIou.get(0));
        assertTrue(Files.size(dir.resolve(SegTrainer.TRAINABLE_FILE)) > 0);
        assertTrue(Files.size(dir.resolve(SegTrainer.STATE_FILE)) > 0);
    }

    @Test
    void theLossFallsOverTwoDozenIterations(@TempDir Path tmp) {
        // 4 training canvases seen 6 times each: the heads (lr 1e-1 with mmseg's x10) must start fitting them.
        SegConfig c = small("head-only", 24, 8).with(b -> {
            b.trainLimit = 4;
            b.testLimit = 4;
        });
        RunRecord r = trainer(c, tmp.resolve("run"), quiet()).run(false);
        assertEquals(3, r.epochs().size());
        double first = r.epochs().get(0).trainLoss();
        double last = r.epochs().get(2).trainLoss();
        assertTrue(last < 0.8 * first, "first period " + first + ", last " + last);
    }

    @Test
    void aResumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        SegConfig c = small("gated", 4, 2);
        Path a = tmp.resolve("a");
        RunRecord whole = trainer(c, a, quiet()).run(false);

        Path b = tmp.resolve("b");
        // A crash right after period 1's record and state.safetensors are written: the first sample of period 2
        // (iteration 3) is asked for only once they are on disk, and it fails.
        SegTasks.Splits s = SegTasks.open(c, null);
        SegData crashing = new CrashingData(s.train(), 2 * c.batchSize());
        SegTrainer first = new SegTrainer(c, crashing, s.test(), s.classNames(), b, quiet());
        RuntimeException crash = assertThrows(RuntimeException.class, () -> first.run(false));
        assertTrue(String.valueOf(crash.getMessage()).contains("simulated crash"), String.valueOf(crash));
        RunRecord interrupted = RunRecord.read(b);
        assertEquals(RunRecord.FAILED, interrupted.status());
        assertEquals(1, interrupted.epochs().size());
        assertTrue(Files.exists(b.resolve(SegTrainer.STATE_FILE)));
        assertTrue(!Files.exists(b.resolve(SegTrainer.TRAINABLE_FILE)));

        RunRecord resumed = trainer(c, b, quiet()).run(true);
        assertEquals(RunRecord.FINISHED, resumed.status());
        assertEquals(whole.epochs().size(), resumed.epochs().size());
        for (int p = 0; p < whole.epochs().size(); p++) {
            EpochMetrics x = whole.epochs().get(p);
            EpochMetrics y = resumed.epochs().get(p);
            assertEquals(x.trainLoss(), y.trainLoss(), "period " + p);
            assertEquals(x.trainTop1(), y.trainTop1(), "period " + p);
            assertEquals(x.lr(), y.lr(), "period " + p);
            assertEquals(x.test().miou(), y.test().miou(), "period " + p);
            assertEquals(x.test().aacc(), y.test().aacc(), "period " + p);
        }
        assertArrayEquals(Files.readAllBytes(a.resolve(SegTrainer.TRAINABLE_FILE)),
                Files.readAllBytes(b.resolve(SegTrainer.TRAINABLE_FILE)));
        assertEquals(Files.readString(a.resolve(SegTrainer.CLASS_IOU_FILE)), Files.readString(b.resolve(SegTrainer.CLASS_IOU_FILE)));
    }

    /** Serves {@code served} training samples, then fails as a killed process would stop the run. */
    static final class CrashingData implements SegData {
        private final SegData d;
        private final java.util.concurrent.atomic.AtomicInteger left;

        CrashingData(SegData d, int served) {
            this.d = d;
            this.left = new java.util.concurrent.atomic.AtomicInteger(served);
        }

        @Override
        public String name() {
            return d.name();
        }

        @Override
        public int size() {
            return d.size();
        }

        @Override
        public int classes() {
            return d.classes();
        }

        @Override
        public int fixedSide() {
            return d.fixedSide();
        }

        @Override
        public int channels() {
            return d.channels();
        }

        @Override
        public dev.vptlab.data.SegSample train(int i, java.util.random.RandomGenerator rng) {
            if (left.getAndDecrement() <= 0) {
                throw new IllegalStateException("simulated crash");
            }
            return d.train(i, rng);
        }

        @Override
        public dev.vptlab.data.SegSample view(int i, double ratio, boolean flip) {
            return d.view(i, ratio, flip);
        }

        @Override
        public Annotation annotation(int i) {
            return d.annotation(i);
        }

        @Override
        public void check() {
            d.check();
        }
    }

    @Test
    void aFolderHoldingARunIsNotOverwrittenNorResumedWithAnotherConfig(@TempDir Path tmp) {
        SegConfig c = small("gated", 2, 2);
        Path dir = tmp.resolve("run");
        trainer(c, dir, quiet()).run(false);
        assertThrows(RunFolderException.class, () -> trainer(c, dir, quiet()).run(false));
        SegConfig other = c.with(b -> b.lr = 2 * c.lr());
        RunFolderException e = assertThrows(RunFolderException.class, () -> trainer(other, dir, quiet()).run(true));
        assertTrue(e.getMessage().contains("lr: " + c.lr() + " -> " + 2 * c.lr()), e.getMessage());
        assertThrows(RunFolderException.class, () -> trainer(c, tmp.resolve("none"), quiet()).run(true));
    }

    @Test
    void trainingStepsAndEvaluationsKeepNoArraysBehind() {
        SegConfig c = small("gated", 8, 8);
        SegTasks.Splits s = SegTasks.open(c, null);
        try (NDManager base = NDManager.newBaseManager()) {
            SegModel model = SegModel.build(c, 1, base);
            Sgd sgd = new Sgd(c.momentum(), c.weightDecay());
            Map<String, NDArray> params = model.trainableParameters();
            List<Integer> counts = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long it = t;
                TrainStep.run((int) Seeds.mix(c.seed(), 7, t), () -> {
                    float[] x = new float[4 * 32 * 32];
                    long[] y = new long[4 * 32 * 32];
                    for (int b = 0; b < 4; b++) {
                        var sample = s.train().train(b, new java.util.SplittableRandom(it * 4 + b));
                        System.arraycopy(sample.image(), 0, x, b * 1024, 1024);
                        for (int k = 0; k < 1024; k++) {
                            y[b * 1024 + k] = sample.label()[k];
                        }
                    }
                    NDList out = model.forwardTrain(base.create(x, new Shape(4, 1, 32, 32)));
                    NDArray labels = base.create(y, new Shape(4, 32, 32));
                    NDArray loss = PixelLoss.crossEntropy(out.get(0), labels);
                    for (int j = 1; j < out.size(); j++) {
                        loss = loss.add(PixelLoss.crossEntropy(out.get(j), labels).mul(0.4f));
                    }
                    return loss;
                }, TrainStep.nonFinite(() -> "step " + it), () -> sgd.step(params, 1e-2));
                SegEvaluator.evaluate(model, s.test(), c.crop(), c.stride(), false, 8, base, null);
                counts.add(base.getManagedArrays().size());
            }
            // The first step creates the momentum buffers; after it nothing may accumulate.
            for (int t = 2; t < counts.size(); t++) {
                assertEquals(counts.get(1), counts.get(t), "arrays held by the run's manager per step: " + counts);
            }
        }
    }

    /**
     * A kill test for GC-timed gradients: a thread that keeps collecting and reusing freed direct memory must not change
     * a run. When the auxiliary loss weight was {@code loss.mul(0.4f)} (a tensor over a Java buffer that autograd kept
     * for backward after DJL let it go), this run read garbage in backward and diverged within a few iterations.
     */
    @Test
    void garbageCollectionDuringTrainingChangesNothing(@TempDir Path tmp) throws Exception {
        SegConfig c = small("vpt-deep", 12, 12);
        trainer(c, tmp.resolve("calm"), quiet()).run(false);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread pressure = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                java.nio.ByteBuffer.allocateDirect(64).putFloat(0, Float.NaN);   // reuse what was freed
            }
        });
        pressure.setDaemon(true);
        pressure.start();
        try {
            trainer(c, tmp.resolve("pressed"), quiet()).run(false);
        } finally {
            stop.set(true);
            pressure.join();
        }
        assertArrayEquals(Files.readAllBytes(tmp.resolve("calm").resolve(SegTrainer.TRAINABLE_FILE)),
                Files.readAllBytes(tmp.resolve("pressed").resolve(SegTrainer.TRAINABLE_FILE)));
    }
}
