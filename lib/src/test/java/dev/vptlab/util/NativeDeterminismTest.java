package dev.vptlab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every launcher starts libtorch with MKL's strict reproducible mode, and the run records say so. */
class NativeDeterminismTest {
    /** The repository root: Maven runs the tests in {@code lib/}. */
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

    @Test
    void theTestJvmRunsInStrictMode() {
        assertEquals(NativeDeterminism.VALUE, System.getenv(NativeDeterminism.VARIABLE), "lib/pom.xml's surefire environment");
        assertEquals(NativeDeterminism.VALUE, NativeDeterminism.setting());
        assertEquals(NativeDeterminism.VALUE, dev.vptlab.train.RunFolder.versions().get("mkl_cbwr"));
    }

    @Test
    void theLauncherAndTheKernelspecsSetTheSameValue() throws Exception {
        String launcher = Files.readString(ROOT.resolve("vptlab"));
        assertTrue(launcher.contains("export MKL_CBWR=\"${MKL_CBWR:-" + NativeDeterminism.VALUE + "}\""), "./vptlab");
        String jupyter = Files.readString(ROOT.resolve("environment/install-jupyter.sh"));
        assertTrue(jupyter.contains("{\"MKL_CBWR\": \"" + NativeDeterminism.VALUE + "\"}"), "install-jupyter.sh");
    }
}
