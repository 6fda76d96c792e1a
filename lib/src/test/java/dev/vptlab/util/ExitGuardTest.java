package dev.vptlab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit waits for the running hold, and no hold starts after it: deterministic, with Java work in place of libtorch. */
class ExitGuardTest {
    @TempDir
    Path tmp;

    /** A child JVM: one hold of 1.5 s, then a second hold, then idles. Writes a file at each point. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            try (ExitGuard.Hold h = ExitGuard.hold()) {
                Files.writeString(dir.resolve("held"), "");
                Thread.sleep(1500);
                Files.writeString(dir.resolve("released"), "");
            }
            try (ExitGuard.Hold h = ExitGuard.hold()) {
                Files.writeString(dir.resolve("second"), "");
            }
            Thread.sleep(60_000);
        }
    }

    @Test
    void sigtermDuringAHoldExitsWhenItEndsAndStartsNoOther() throws Exception {
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Holder.class.getName(), tmp.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(tmp.resolve("held"))) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "the child never held: " + Files.readString(tmp.resolve("log")));
                Thread.sleep(10);
            }
            p.destroy(); // SIGTERM, inside the hold
            assertTrue(p.waitFor(ExitGuard.GRACE_SECONDS + 30, TimeUnit.SECONDS), "the child did not exit");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(143, p.exitValue(), Files.readString(tmp.resolve("log")));
        assertTrue(Files.exists(tmp.resolve("released")), "the exit waited for the running hold");
        assertFalse(Files.exists(tmp.resolve("second")), "no hold started after the signal");
    }
}
