package dev.vptlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.reproduce.EmbeddedBackbones;
import dev.vptlab.util.ExitGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (Slurm's cancel and pre-emption, {@code kill}, {@code Process.destroy}) in the middle of training. Before
 * {@link ExitGuard}, about a third of such exits crashed inside libtorch (status 134, an {@code hs_err_pid*.log} left in
 * the working directory).
 */
class ExitOnSignalTest {
    @TempDir
    Path tmp;

    @Test
    void sigtermAtRandomMomentsOfTrainingExitsWithItsStatusLeavingNoCrashLogAndAResumableRun() throws Exception {
        // The embedded MAE trunk and the whole synthetic task (256 train, 64 val, 128 test images): the steps and
        // evaluations of the tiny fixture are too short for a signal to land inside libtorch often.
        Path trunk = EmbeddedBackbones.extract("mae", Files.createDirectories(tmp.resolve("trunk")), false, m -> { });
        RunConfig c = RunFolderSafetyTest.small("gated").backbone(trunk.toString()).trainLimit(0).testLimit(0)
                .epochs(50).build();
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        Random delays = new Random(7);
        for (int i = 0; i < 6; i++) {
            Path dir = tmp.resolve("runs" + i).resolve("run");
            Path log = tmp.resolve("child" + i + ".log");
            Process p = new ProcessBuilder(RunFolderSafetyTest.trainCommand(c, dir, false)).directory(cwd.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                awaitRecord(p, dir, log);
                Thread.sleep(1500 + delays.nextInt(2000)); // into the training steps and evaluations
                assertTrue(p.isAlive(), "still training: " + Files.readString(log));
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(ExitGuard.GRACE_SECONDS + 30, TimeUnit.SECONDS), "the child did not exit");
            } finally {
                p.destroyForcibly();
            }
            String out = Files.readString(log);
            assertEquals(143, p.exitValue(), "kill " + i + " ended by the signal (128 + 15), not a crash: " + out);
            assertFalse(out.contains("A fatal error has been detected"), out);
            try (Stream<Path> files = Files.list(cwd)) {
                assertEquals(List.of(), files.map(f -> f.getFileName().toString()).toList(), "no JVM crash log");
            }
            assertEquals(RunRecord.STOPPED, Runs.load(dir.getParent()).stringColumn("status").get(0),
                    "vptlab runs: stopped (nobody holds the lock), resumable");
        }
    }

    /** Waits until the child has claimed its run folder (the record is written before the first step). */
    private static void awaitRecord(Process p, Path dir, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(dir.resolve(RunFolder.RECORD_FILE))) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the child never started: " + Files.readString(log));
            Thread.sleep(10);
        }
    }
}
