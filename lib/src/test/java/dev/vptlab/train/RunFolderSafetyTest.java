package dev.vptlab.train;

import dev.vptlab.data.Splits;
import static dev.vptlab.train.TrainerTest.metricsWithoutTiming;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.util.FileHash;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.task.DataSources;
import dev.vptlab.data.ForwardingDataset;
import dev.vptlab.testutil.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run folder under kills, concurrent writers, changed backbones and diverging values. */
class RunFolderSafetyTest {
    @TempDir
    Path tmp;

    private static Progress quiet() {
        return new Progress(Progress.Mode.QUIET, System.err);
    }

    /** TrainerTest's small runs on the first 96 training and 32 val/test images: three steps per epoch. */
    static RunConfig.Builder small(String method) {
        return TrainerTest.small(method).trainLimit(96).testLimit(32);
    }

    /** The splits {@code vptlab train} opens for {@code c}, limits applied. */
    private static Splits splits(RunConfig c) {
        return RunSplits.open(c, null, 32, 3);
    }

    static RunRecord run(RunConfig c, Path dir, boolean resume) {
        return new Trainer(c, splits(c), dir, quiet()).run(resume);
    }

    /** {@code vptlab train} of {@code c} in a child JVM that pauses (forever) at {@code point}. */
    private Process child(RunConfig c, Path dir, boolean resume, String point, Path marker) throws IOException {
        List<String> cmd = trainCommand(c, dir, resume, "-D" + PausePoints.POINT + "=" + point,
                "-D" + PausePoints.MARKER + "=" + marker);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(point + ".log").toFile()).start();
    }

    /** The command line of {@code vptlab train} for {@code c} (a {@link #small} config) in a child JVM. */
    static List<String> trainCommand(RunConfig c, Path dir, boolean resume, String... jvmOptions) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vptlab.cli.Main", "train",
                "--task", "synthetic", "--backbone", c.backbone(), "--heads", "3", "--epochs", String.valueOf(c.epochs()),
                "--warmup-epochs", String.valueOf(c.warmupEpochs()), "--batch-size", "32", "--classes", "10", "--prompts", "4",
                "--gate-init", "1", "--pooling", "CLS", "--lr", String.valueOf(c.lr()), "--train-limit", String.valueOf(c.trainLimit()),
                "--test-limit", String.valueOf(c.testLimit()), "--out", dir.toString(),
                "--progress", "QUIET"));
        if (resume) {
            cmd.add("--resume");
        }
        return cmd;
    }

    /** Waits until the child has written {@code marker} (it is then paused at its point). */
    private void awaitPause(Process p, Path marker, String point) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(marker)) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the child never reached " + point + ": "
                    + Files.readString(tmp.resolve(point + ".log")));
            Thread.sleep(20);
        }
    }

    private static int stateEpochs(Path dir) {
        Path state = dir.resolve(Trainer.STATE_FILE);
        return Files.exists(state) ? Integer.parseInt(Safetensors.read(state).metadata().get("epochs_done")) : 0;
    }

    private static List<String> hiddenTemporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".") && n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void killMinusNineAtEveryWriteBoundaryThenResumeGivesTheUninterruptedRun() throws Exception {
        RunConfig c = small("gated").epochs(4).build();
        Path ref = tmp.resolve("a").resolve("run");
        run(c, ref, false);
        List<String> refMetrics = metricsWithoutTiming(ref);
        Path dir = tmp.resolve("b").resolve("run");
        // point -> (epochs in the record, epochs in the checkpoint) once killed there
        String[] points = {"started@0", "record-written@1", "state-written@2", "record-written@3"};
        int[][] expected = {{0, 0}, {1, 0}, {2, 2}, {3, 2}};
        for (int i = 0; i < points.length; i++) {
            Path marker = tmp.resolve("paused-" + i);
            Process p = child(c, dir, i > 0, points[i], marker);
            try {
                awaitPause(p, marker, points[i]);
                if (points[i].equals("record-written@1")) {
                    // the window that used to leave the folder stuck: a record, no checkpoint yet. A second writer
                    // meanwhile is refused at once, and leaves the live run's files alone.
                    long t0 = System.nanoTime();
                    RunFolderLockedException e = assertThrows(RunFolderLockedException.class, () -> run(c, dir, true));
                    assertTrue(e.getMessage().contains(RunLock.FILE) && e.getMessage().contains("another training process"),
                            e.getMessage());
                    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "refused at once");
                    assertEquals(RunRecord.RUNNING, RunRecord.read(dir).status());
                    assertEquals(RunRecord.RUNNING, Runs.load(dir.getParent()).stringColumn("status").get(0),
                            "vptlab runs: the child holds the lock, so the run is training");
                }
            } finally {
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
            }
            RunRecord killed = RunRecord.read(dir); // loadable
            var listed = Runs.load(dir.getParent());
            assertEquals(RunRecord.STOPPED, listed.stringColumn("status").get(0), "vptlab runs: nobody holds the lock");
            assertTrue(listed.stringColumn("note").get(0).contains("--resume"), listed.stringColumn("note").get(0));
            assertEquals(expected[i][0], killed.epochs().size(), points[i]);
            assertEquals(expected[i][1], stateEpochs(dir), points[i]);
            assertEquals(refMetrics.subList(0, 1 + expected[i][0]), metricsWithoutTiming(dir), points[i]);
            assertEquals(FileHash.sha256(Path.of(c.backbone())), killed.backboneSha256());
        }
        // a write killed half-way leaves its temporary file; the next run removes it
        Files.writeString(dir.resolve(".state.safetensors123456.tmp"), "half a checkpoint");
        RunRecord resumed = run(c, dir, true);
        assertEquals(RunRecord.FINISHED, resumed.status());
        assertEquals(refMetrics, metricsWithoutTiming(dir));
        assertEquals(List.of(), hiddenTemporaries(dir));
        for (String f : List.of(Trainer.STATE_FILE, Trainer.TRAINABLE_FILE)) {
            assertArrayEquals(Files.readAllBytes(ref.resolve(f)), Files.readAllBytes(dir.resolve(f)), f + " byte-identical");
        }
        assertEquals(withoutTimes(ref), withoutTimes(dir), "record.json apart from its times");
    }

    /** record.json without the lines that hold wall time or throughput. */
    static List<String> withoutTimes(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(RunFolder.RECORD_FILE)).stream()
                .filter(l -> !l.matches("\\s*\"(started_at|finished_at|wall_seconds|seconds|images_per_second)\":.*")).toList();
    }

    @Test
    void aSecondRunOfTheSameProcessIsRefusedWhileTheFirstHoldsTheFolder() {
        RunConfig c = small("gated").epochs(1).warmupEpochs(0).build();
        Path dir = tmp.resolve("held");
        try (RunLock held = RunLock.acquire(dir)) {
            RunFolderLockedException e = assertThrows(RunFolderLockedException.class, () -> run(c, dir, false));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
        assertEquals(RunRecord.FINISHED, run(c, dir, false).status(), "released: the folder is free again");
        assertThrows(RunFolderException.class, () -> run(c, dir, false), "a finished run is not overwritten");
        assertThrows(RunFolderException.class, () -> run(c, tmp.resolve("absent"), true));
        assertFalse(Files.exists(tmp.resolve("absent")), "a refused resume creates nothing");
    }

    @Test
    void aFinishedRecordAlwaysHasItsTrainedFile() throws Exception {
        // reproduce reuses a finished run as it is, so the trained file must exist by the time the record says
        // finished; a stop right after that record (SIGKILL here; after SIGTERM the thread runs on to its next
        // ExitGuard hold) used to leave it missing
        RunConfig c = small("gated").epochs(2).build();
        Path ref = tmp.resolve("a").resolve("run");
        run(c, ref, false);
        Path dir = tmp.resolve("b").resolve("run");
        Path marker = tmp.resolve("paused-last");
        Process p = child(c, dir, false, "record-written@2", marker);
        try {
            awaitPause(p, marker, "record-written@2");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertEquals(RunRecord.FINISHED, RunRecord.read(dir).status());
        assertArrayEquals(Files.readAllBytes(ref.resolve(Trainer.TRAINABLE_FILE)),
                Files.readAllBytes(dir.resolve(Trainer.TRAINABLE_FILE)));
    }

    @Test
    void resumeOnAnotherBackboneFileAtTheSamePathIsRefused() throws IOException {
        Path backbone = tmp.resolve("trunk.safetensors");
        Files.copy(Fixtures.vit("vit_timm.safetensors"), backbone);
        RunConfig c = small("gated").backbone(backbone.toString()).epochs(1).warmupEpochs(0).build();
        Path dir = tmp.resolve("r");
        run(c, dir, false);
        String trained = FileHash.sha256(backbone);
        assertEquals(trained, RunRecord.read(dir).backboneSha256());
        Files.copy(Fixtures.vit("vit_timm_f16.safetensors"), backbone, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        RunFolderException e = assertThrows(RunFolderException.class, () -> run(c, dir, true));
        assertTrue(e.getMessage().contains(trained) && e.getMessage().contains(FileHash.sha256(backbone)), e.getMessage());
        assertEquals(RunRecord.FINISHED, RunRecord.read(dir).status(), "a refused resume leaves the record alone");
    }

    @Test
    void divergedRunKeepsItsLastFiniteCheckpointAndResumesWithALowerLrWhenAsked() throws IOException {
        RunConfig diverging = small("gated").epochs(3).lr(1e30).build();
        Path dir = tmp.resolve("nan");
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> run(diverging, dir, false));
        RunRecord failed = RunRecord.read(dir);
        int kept = stateEpochs(dir);
        // the warm-up starts at lr 0, so epoch 1 trains nothing and epoch 2 diverges
        assertEquals(1, kept);
        assertTrue(e.getMessage().matches("epoch 2/3, step [1-3]/3: non-finite loss \\((NaN|-?Infinity)\\); the run stops and keeps"
                + " its last good checkpoint \\(after epoch 1\\)"), "epochs counted from 1, as the progress line counts them: "
                + e.getMessage());
        assertEquals(RunRecord.FAILED, failed.status());
        assertEquals(e.getMessage(), failed.failure());
        assertEquals(kept, failed.epochs().size());
        assertEquals(null, FiniteChecks.problem(Safetensors.read(dir.resolve(Trainer.STATE_FILE)).tensors()));
        RunConfig calmer = diverging.toBuilder().lr(0.1).build();
        RunFolderException refused = assertThrows(RunFolderException.class, () -> run(calmer, dir, true));
        assertTrue(refused.getMessage().contains("lr: 1.0E30 -> 0.1") && refused.getMessage().contains("--allow-changed lr"),
                refused.getMessage());
        assertThrows(dev.vptlab.VptlabException.class,
                () -> new Trainer(calmer, splits(calmer), dir, quiet()).allowChanged(List.of("batch_size")));
        RunRecord r = new Trainer(calmer, splits(calmer), dir, quiet()).allowChanged(List.of("lr")).run(true);
        assertEquals(RunRecord.FINISHED, r.status());
        assertEquals(3, r.epochs().size());
        assertEquals(List.of(new ConfigChange(failed.epochs().size(), "lr", "1.0E30", "0.1")), r.configChanges());
        assertEquals(0.1, r.config().get("lr"));
        assertEquals(r, RunRecord.read(dir));
    }

    @Test
    void anyCrashMarksTheRecordFailedWithItsReasonAndTheRunResumes() {
        RunConfig c = small("gated").epochs(2).warmupEpochs(0).build();
        Path dir = tmp.resolve("crash");
        Trainer crashing = new Trainer(c, splits(c), dir, quiet()).withObserver((step, base) -> {
            if (step == 4) { // in the second epoch (3 steps each)
                throw new IllegalStateException("disk on fire");
            }
        });
        assertThrows(IllegalStateException.class, () -> crashing.run(false));
        RunRecord failed = RunRecord.read(dir);
        assertEquals(RunRecord.FAILED, failed.status());
        assertEquals("java.lang.IllegalStateException: disk on fire", failed.failure());
        assertEquals(1, failed.epochs().size());
        assertEquals(1, stateEpochs(dir));
        assertEquals(RunRecord.FINISHED, run(c, dir, true).status());
    }

    @Test
    void parametersWhoseSquareOverflowsAreNotKeptAsALastGoodCheckpoint() {
        // one step per epoch and no evaluation: the loss of the only step is finite, the update it makes is not usable
        RunConfig c = small("gated").epochs(2).warmupEpochs(0).schedule("constant").lr(1e30).valEvery(0).testEvery(0).build();
        Splits oneStep = new Splits(new dev.vptlab.data.SyntheticDataset("one-step/train", 32, 10, 3, 32, 7, false),
                null, null);
        Path dir = tmp.resolve("huge");
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> new Trainer(c, oneStep, dir, quiet()).run(false));
        assertFalse(e instanceof NonFiniteLossException, e.getMessage());
        assertTrue(e.getMessage().startsWith("epoch 1/2: the trained values are no longer usable numbers (param/")
                && e.getMessage().endsWith("the run stops before its first checkpoint"), e.getMessage());
        assertEquals(RunRecord.FAILED, RunRecord.read(dir).status());
        assertFalse(Files.exists(dir.resolve(Trainer.STATE_FILE)));
    }

    @Test
    void nonFiniteEvaluationStopsTheRun() {
        RunConfig c = small("gated").epochs(2).build();
        Splits s = splits(c);
        ForwardingDataset nanVal = new ForwardingDataset(s.val()) {
            @Override
            public float[] image(int i, Random rng) {
                float[] x = super.image(i, rng);
                if (i == 5) {
                    Arrays.fill(x, Float.NaN);
                }
                return x;
            }
        };
        Path dir = tmp.resolve("nan-val");
        Trainer t = new Trainer(c, new Splits(s.train(), nanVal, s.test()), dir, quiet());
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> t.run(false));
        assertTrue(e.getMessage().startsWith("epoch 1/2") && e.getMessage().contains("val split")
                && e.getMessage().contains("image 5"), e.getMessage());
        assertEquals(RunRecord.FAILED, RunRecord.read(dir).status());
        assertFalse(Files.exists(dir.resolve(Trainer.STATE_FILE)), "no checkpoint of an epoch that evaluated to NaN");
    }
}
