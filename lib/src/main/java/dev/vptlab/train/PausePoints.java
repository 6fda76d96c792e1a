package dev.vptlab.train;

import dev.vptlab.util.AtomicFiles;
import java.nio.file.Path;

/**
 * Named moments of a run at which a test can stop the process deterministically. When the system property
 * {@value #POINT} names the moment reached (e.g. {@code record-written@1}: the record of epoch 1 is on disk, its
 * checkpoint not yet), the run writes the file named by {@value #MARKER} and then waits forever, so that the test
 * sees the marker and {@code kill -9}s the process exactly there. Without the property this does nothing.
 */
final class PausePoints {
    static final String POINT = "vptlab.test.pause-at";
    static final String MARKER = "vptlab.test.pause-marker";

    private PausePoints() {}

    /** Pauses forever when {@code name@epochsDone} is the requested point. */
    static void reach(String name, int epochsDone) {
        String wanted = System.getProperty(POINT);
        if (wanted == null || !wanted.equals(name + "@" + epochsDone)) {
            return;
        }
        String marker = System.getProperty(MARKER);
        if (marker != null) {
            AtomicFiles.writeString(Path.of(marker), wanted + "\n");
        }
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
