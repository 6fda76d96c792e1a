package dev.vptlab.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.testutil.Fixtures;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The fixtures of {@code lib/src/test/python/make_seg_fixtures.py} (fixtures/seg/). */
final class SegFixtures {
    /** Parity rule: max |actual − expected| / max |expected| per tensor. */
    static final double TOL = 1e-5;

    private SegFixtures() {}

    static Path path(String name) {
        return Fixtures.root().resolve("seg").resolve(name);
    }

    static Map<String, RawTensor> tensors(String name) {
        return Fixtures.tensors(path(name));
    }

    static NDArray array(NDManager m, RawTensor t) {
        return Fixtures.array(m, t);
    }

    /** Integer tensors (labels) as int64. */
    static NDArray longs(NDManager m, RawTensor t) {
        return m.create(t.toFloatArray(), new Shape(t.shape())).toType(DataType.INT64, false);
    }

    static JsonObject json(String name) {
        try (Reader r = Files.newBufferedReader(path(name))) {
            return JsonParser.parseReader(r).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
