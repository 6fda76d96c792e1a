package dev.vptlab.testutil;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.VitConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Locates the parity fixtures made by {@code lib/src/test/python/make_fixtures.py} and compares arrays. */
public final class Fixtures {
    /** The tiny trunk every fixture uses (see fixtures/README.md). */
    public static final VitConfig TINY = VitConfig.builder().name("tiny").imageSize(32).patchSize(8).embedDim(24)
            .depth(12).numHeads(3).build();

    private Fixtures() {}

    public static Path root() {
        String p = System.getProperty("vptlab.fixtures");
        Path dir = p != null ? Path.of(p) : Path.of("src/test/resources/fixtures");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("lib/src/test/resources/fixtures");
        }
        return dir;
    }

    public static Path vit(String name) {
        return root().resolve("vit").resolve(name);
    }

    /** Files laid out as the official trainers save them (make_official_fixtures.py). */
    public static Path official(String name) {
        return root().resolve("official").resolve(name);
    }

    public static Path methods(String name) {
        return root().resolve("methods").resolve(name);
    }

    public static Map<String, RawTensor> tensors(Path file) {
        return Safetensors.read(file).tensors();
    }

    public static NDArray array(NDManager m, RawTensor t) {
        return m.create(t.toFloatArray(), new Shape(t.shape()));
    }

    /**
     * Relative error as the parity rule uses it: max |actual − expected| / max |expected| over the
     * tensor (elementwise ratios are meaningless for entries near zero).
     */
    public static double relErr(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " vs " + expected.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < actual.length; i++) {
            num = Math.max(num, Math.abs((double) actual[i] - expected[i]));
            den = Math.max(den, Math.abs((double) expected[i]));
        }
        return den == 0 ? num : num / den;
    }

    public static double relErr(NDArray actual, RawTensor expected) {
        if (!java.util.Arrays.equals(actual.getShape().getShape(), expected.shape())) {
            throw new AssertionError("shape " + actual.getShape() + " vs " + java.util.Arrays.toString(expected.shape()));
        }
        return relErr(actual.toFloatArray(), expected.toFloatArray());
    }
}
