package dev.vptlab.util;

/**
 * Bit-reproducible CPU runs need one setting outside the JVM. libtorch's CPU build links Intel MKL, whose default
 * code path may sum a GEMM differently depending on where its operands sit in memory, so the same run can end
 * differently in two JVMs whose heaps differ. Measured here: one mini segmentation run (MoCo v3 trunk, head only)
 * gave 22.78 mIoU in one JVM, a NaN at iteration 42 in a fresh one and a NaN at iteration 245 after another run in
 * the same JVM; with {@code MKL_CBWR=AVX2,STRICT} it gave 22.78 in both. MKL's strict Conditional Numerical
 * Reproducibility mode (oneMKL Developer Guide, "Obtaining Numerically Reproducible Results") fixes the code path
 * and removes the dependence on alignment.
 *
 * <p>MKL reads the variable once, when libtorch loads, so the launchers set it: {@code ./vptlab}, the Jupyter
 * kernelspecs ({@code environment/install-jupyter.sh}) and Maven's test JVM ({@code lib/pom.xml}). A value the
 * user sets is kept. Run records keep what the JVM got ({@code versions.mkl_cbwr}).
 */
public final class NativeDeterminism {
    /** The environment variable MKL reads. */
    public static final String VARIABLE = "MKL_CBWR";
    /** The value the launchers set: the AVX2 code path, strict mode. */
    public static final String VALUE = "AVX2,STRICT";

    private static volatile boolean warned;

    private NativeDeterminism() {}

    /** {@code MKL_CBWR} as this JVM got it, or {@code "unset"}; warns once on stderr when unset. */
    public static String setting() {
        String v = System.getenv(VARIABLE);
        if (v == null || v.isBlank()) {
            if (!warned) {
                warned = true;
                System.err.println("vptlab: " + VARIABLE + " is not set, so CPU runs may differ between JVMs in the last "
                        + "bits (and then more); start the JVM with " + VARIABLE + "=" + VALUE + " as ./vptlab does");
            }
            return "unset";
        }
        return v;
    }
}
