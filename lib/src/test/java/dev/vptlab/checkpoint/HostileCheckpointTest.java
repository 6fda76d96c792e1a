package dev.vptlab.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VitConfig;
import dev.vptlab.testutil.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One regression per hostile input the tester reported: each fails with a typed error naming the file and
 * the problem, quickly and without exhausting memory.
 */
class HostileCheckpointTest {
    @TempDir
    Path tmp;

    private static final Duration QUICK = Duration.ofSeconds(5);

    /** {@code call} fails with {@code type} within 5 s; the message starts with {@code file} and holds each fragment. */
    private static <T extends CheckpointException> T fails(Class<T> type, Path file, Supplier<?> call,
            String... fragments) {
        T e = assertTimeoutPreemptively(QUICK, () -> assertThrows(type, call::get));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
        return e;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private Path npz(String name, byte[] npy, boolean deflate) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("cls.npy", npy);
        return write(name, HostileFiles.zip(entries, deflate));
    }

    // ------------------------------------------------------------------ .npy headers in .npz

    @Test
    void npyShapeEntriesMustBePlainIntegers() throws IOException {
        Path l = npz("long.npz", HostileFiles.npy("<f4", "576L,", new byte[0]), false);
        fails(CheckpointFormatException.class, l, () -> Npz.read(l), "array 'cls'", "'576L'");
        Path digits = npz("digits.npz", HostileFiles.npy("<f4", "12345678901234567890,", new byte[0]), false);
        fails(CheckpointFormatException.class, digits, () -> Npz.read(digits), "12345678901234567890");
        Path negative = npz("negative.npz", HostileFiles.npy("<f4", "-1, 4", new byte[0]), false);
        fails(CheckpointFormatException.class, negative, () -> Npz.read(negative), "'-1'");
    }

    @Test
    void npyDtypeWithALongSizeIsUnsupported() throws IOException {
        Path f = npz("dtype.npz", HostileFiles.npy("<f400000000000000000000", "1,", new byte[4]), false);
        fails(CheckpointFormatException.class, f, () -> Npz.read(f), "unsupported dtype");
    }

    @Test
    void npyShapeProductOverflowIsRefused() throws IOException {
        Path f = npz("product.npz", HostileFiles.npy("<f4", "4294967296, 4294967296, 4294967296", new byte[0]), false);
        fails(CheckpointFormatException.class, f, () -> Npz.read(f), "more than 2^63 bytes");
        // 2^60 doubles: the element count fits a long, the byte count overflows to negative
        Path bytes = npz("bytes.npz", HostileFiles.npy("<f8", "1073741824, 1073741824", new byte[0]), false);
        fails(CheckpointFormatException.class, bytes, () -> Npz.read(bytes), "more than 2^63 bytes");
    }

    @Test
    void npyByteCountThatWrapsToZeroIsRefused() throws IOException {
        // 2^31 x 2^31 floats = 2^64 bytes, which wraps to 0 in plain long arithmetic
        Path f = npz("wrap.npz", HostileFiles.npy("<f4", "2147483648, 2147483648", new byte[0]), false);
        fails(CheckpointFormatException.class, f, () -> Npz.read(f), "more than 2^63 bytes");
    }

    @Test
    void emptyFortranArrayWithHugeOtherDimensionsIsEmpty() throws IOException {
        // found by CheckpointFuzzTest: reversed for Fortran order, 2^53 x 65536 overflowed before the 0 was reached
        Path f = npz("empty-fortran.npz", HostileFiles.npyWithHeader(
                "{'descr': '<f4', 'fortran_order': True, 'shape': (0, 65536, 9007199254740992), }", new byte[0]), false);
        assertEquals(0, Npz.read(f).values().iterator().next().numel());
    }

    @Test
    void deflatedNpyBombStopsAtTheReadBudget() throws IOException {
        int n = 96 << 20; // 96 MiB of zeros deflate to about 100 KB
        Path f = npz("bomb.npz", HostileFiles.npy("<f4", (n / 4) + ",", new byte[n]), true);
        assertTrue(Files.size(f) < 1 << 20, "the bomb is small: " + Files.size(f));
        fails(CheckpointLimitException.class, f, () -> Npz.read(f), "array 'cls'", "read budget");
    }

    // ------------------------------------------------------------------ safetensors

    @Test
    void safetensorsShapeThatWrapsAroundIsRefused() throws IOException {
        Path f = write("wrap.safetensors", HostileFiles.safetensors(
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", new byte[0]));
        fails(CheckpointFormatException.class, f, () -> Safetensors.read(f), "tensor 't'", "more than 2^63 bytes");
    }

    @Test
    void safetensorsMetadataMustBeAnObjectOfStrings() throws IOException {
        String tensor = "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        String[] bad = {"[]", "null", "{\"a\":{}}", "{\"a\":null}", "{\"a\":[\"x\"]}", "{\"a\":1}", "\"text\""};
        for (int i = 0; i < bad.length; i++) {
            Path f = write("meta" + i + ".safetensors",
                    HostileFiles.safetensors("{\"__metadata__\":" + bad[i] + "," + tensor + "}", new byte[4]));
            fails(CheckpointFormatException.class, f, () -> Safetensors.read(f), "__metadata__");
        }
        Path ok = write("meta-ok.safetensors",
                HostileFiles.safetensors("{\"__metadata__\":{\"a\":\"b\"}," + tensor + "}", new byte[4]));
        assertEquals(Map.of("a", "b"), Safetensors.read(ok).metadata());
    }

    @Test
    void safetensorsOffsetsMustTileTheDataSection() throws IOException {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";
        Path overlap = write("overlap.safetensors", HostileFiles.safetensors(
                "{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", new byte[24]));
        fails(CheckpointFormatException.class, overlap, () -> Safetensors.read(overlap), "overlaps tensor 'a'");
        Path same = write("same.safetensors", HostileFiles.safetensors(
                "{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[16]));
        fails(CheckpointFormatException.class, same, () -> Safetensors.read(same), "overlaps");
        Path hole = write("hole.safetensors", HostileFiles.safetensors(
                "{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}}", new byte[24]));
        fails(CheckpointFormatException.class, hole, () -> Safetensors.read(hole), "bytes 16..20", "no holes");
    }

    @Test
    void hugeHeaderLengthIsNotCalledWrongMagic() throws IOException {
        byte[] b = HostileFiles.safetensors("{}", new byte[0]);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 100L << 20);
        Path f = write("long-header.safetensors", b);
        CheckpointFormatException e = fails(CheckpointFormatException.class, f, () -> Checkpoint.read(f),
                "truncated", String.valueOf(100L << 20));
        assertFalse(e.getMessage().contains("magic"), e.getMessage());
    }

    // ------------------------------------------------------------------ Google key map

    private static Map<String, RawTensor> google() {
        return new LinkedHashMap<>(Npz.read(Fixtures.vit("vit_google.npz")));
    }

    private static RawTensor zeros(long... shape) {
        return RawTensor.ofFloats(shape, new float[Math.toIntExact(RawTensor.numel(shape))]);
    }

    private static final String ATT = "Transformer/encoderblock_3/MultiHeadDotProductAttention_1/";

    @Test
    void googleKernelsOfTheWrongRankAreNamed() {
        Path f = Path.of("google.npz");
        Map<String, RawTensor> s = google();
        s.put(ATT + "query/kernel", zeros(24, 24));
        fails(CheckpointFormatException.class, f, () -> KeyMaps.remap(f, CheckpointSource.GOOGLE_NPZ, s),
                ATT + "query/kernel", "[24, 24]", "[D, heads, head_dim]");
        Map<String, RawTensor> mlp = google();
        mlp.put("Transformer/encoderblock_0/MlpBlock_3/Dense_0/kernel", zeros(24));
        fails(CheckpointFormatException.class, f, () -> KeyMaps.remap(f, CheckpointSource.GOOGLE_NPZ, mlp), "Dense_0");
    }

    @Test
    void googleQueryKeyValueMustAgree() {
        Path f = Path.of("google.npz");
        Map<String, RawTensor> s = google();
        s.put(ATT + "key/kernel", zeros(24, 3, 7));
        fails(CheckpointFormatException.class, f, () -> KeyMaps.remap(f, CheckpointSource.GOOGLE_NPZ, s),
                "[24, 3, 7]", "must agree");
        Map<String, RawTensor> bias = google();
        bias.put(ATT + "value/bias", zeros(3, 9));
        fails(CheckpointFormatException.class, f, () -> KeyMaps.remap(f, CheckpointSource.GOOGLE_NPZ, bias),
                "value/bias", "must agree");
    }

    @Test
    void googleLeadingZeroDimensionIsRefused() {
        Path f = Path.of("google.npz");
        Map<String, RawTensor> s = google();
        for (String k : new String[] {"query", "key", "value"}) {
            s.put(ATT + k + "/kernel", zeros(0, 3, 8)); // divided by the leading dimension before the fix
        }
        fails(CheckpointFormatException.class, f, () -> KeyMaps.remap(f, CheckpointSource.GOOGLE_NPZ, s),
                "[0, 3, 8]", "no empty dimension");
    }

    @Test
    void googleBlockNumberBeyondIntIsNamed() {
        Path f = Path.of("google.npz");
        Map<String, RawTensor> s = google();
        s.put("Transformer/encoderblock_99999999999/LayerNorm_0/scale", zeros(24));
        fails(CheckpointLimitException.class, f, () -> KeyMaps.remap(f, CheckpointSource.GOOGLE_NPZ, s),
                "encoderblock_99999999999", "at most " + ArchitectureBounds.MAX_DEPTH + " blocks");
    }

    // ------------------------------------------------------------------ architecture claims

    private Path timmWith(String name, Map<String, RawTensor> extra, Map<String, String> metadata) {
        Map<String, RawTensor> t = new LinkedHashMap<>(Fixtures.tensors(Fixtures.vit("vit_timm.safetensors")));
        t.putAll(extra);
        Path f = tmp.resolve(name);
        Safetensors.write(f, t, metadata);
        return f;
    }

    @Test
    void numHeadsMetadataMustBeAHeadCount() {
        for (String v : new String[] {"six", "3.0", "99999999999", "-3", "5"}) {
            Path f = timmWith("heads.safetensors", Map.of(), Map.of(Checkpoint.META_NUM_HEADS, v));
            fails(UnknownArchitectureException.class, f, () -> Checkpoint.read(f).architecture(), "num_heads", v);
        }
        Path ok = timmWith("heads3.safetensors", Map.of(), Map.of(Checkpoint.META_NUM_HEADS, "3"));
        assertEquals(3, Checkpoint.read(ok).architecture().config(ok).numHeads());
    }

    @Test
    void blockNumberBeyondIntIsNamed() {
        Path f = timmWith("block.safetensors", Map.of("blocks.99999999999.norm1.weight", zeros(24)), Map.of());
        fails(CheckpointLimitException.class, f, () -> Checkpoint.read(f).architecture(), "blocks.99999999999");
    }

    @Test
    void oneStrayBlockKeyCannotInflateTheDepth() {
        // before: 5001 x 12 expected shapes for inspect, and a 5001-block model for load
        Path f = timmWith("deep.safetensors", Map.of("blocks.5000.norm1.weight", zeros(24)), Map.of());
        fails(CheckpointLimitException.class, f, () -> Checkpoint.read(f).architecture(), "blocks.5000",
                "at most " + ArchitectureBounds.MAX_DEPTH);
        // within the bound, the strict check (inspect's path) reports the missing blocks quickly
        Path g = timmWith("deeper.safetensors", Map.of("blocks.200.norm1.weight", zeros(24)), Map.of());
        CheckpointMismatchException e = fails(CheckpointMismatchException.class, g, () -> {
            Checkpoint c = Checkpoint.read(g);
            return BackboneLoader.match(c, BackboneLoader.expectedShapes(c.architecture().shapes()), new ArrayList<>());
        });
        assertEquals((200 - 12) * 12 + 11, e.missing().size());
    }

    @Test
    void claimedSizesBeyondTheBoundsAreRefusedBeforeBuilding() {
        // MLP width: blocks.0.mlp.fc1.weight [70000, 1] in one-byte booleans is a small file
        RawTensor wide = new RawTensor(DType.BOOL, new long[] {70000, 1}, java.nio.ByteBuffer.allocate(70000));
        Path mlp = timmWith("mlp.safetensors", Map.of("blocks.0.mlp.fc1.weight", wide), Map.of());
        fails(UnknownArchitectureException.class, mlp, () -> Checkpoint.read(mlp).architecture(), "MLP width",
                "70000");
        // patch grid: 1 + 1025^2 tokens of width 1
        long tokens = 1 + 1025L * 1025;
        RawTensor pos = new RawTensor(DType.BOOL, new long[] {1, tokens, 1}, java.nio.ByteBuffer.allocate((int) tokens));
        Path grid = timmWith("grid.safetensors", Map.of("pos_embed", pos), Map.of());
        fails(UnknownArchitectureException.class, grid, () -> Checkpoint.read(grid).architecture(), "patch tokens");
        // the float32 trunk must fit the read budget
        Path f = Fixtures.vit("vit_timm.safetensors");
        Checkpoint c = Checkpoint.read(f);
        String old = System.setProperty(ReadBudget.MAX_BYTES_PROPERTY, "100000");
        try {
            fails(CheckpointLimitException.class, f, c::architecture, "91800 parameters", "read budget");
        } finally {
            restore(old);
        }
    }

    private static void restore(String old) {
        if (old == null) {
            System.clearProperty(ReadBudget.MAX_BYTES_PROPERTY);
        } else {
            System.setProperty(ReadBudget.MAX_BYTES_PROPERTY, old);
        }
    }

    @Test
    void loadChecksKeysBeforeBuildingTheModel() {
        Path f = timmWith("stray.safetensors", Map.of("blocks.40.norm1.weight", zeros(24)),
                Map.of(Checkpoint.META_NUM_HEADS, "3"));
        NDManager closed = NDManager.newBaseManager();
        closed.close(); // building anything on it would fail with an engine error, not a typed one
        fails(CheckpointMismatchException.class, f, () -> BackboneLoader.load(f, closed), "missing key");
        fails(CheckpointMismatchException.class, f, () -> BackboneLoader.load(f, Fixtures.TINY, closed), "unexpected");
    }

    @Test
    void vitConfigErrorsNameTheFile() {
        Path f = Fixtures.vit("vit_timm.safetensors");
        Checkpoint.Architecture a = Checkpoint.read(f).architecture();
        fails(UnknownArchitectureException.class, f, () -> a.config(f, 5), "head count 5");
    }

    @Test
    void maxBytesPropertyMustBeANumber() {
        Path f = Fixtures.vit("vit_timm.safetensors");
        String old = System.setProperty(ReadBudget.MAX_BYTES_PROPERTY, "lots");
        try {
            fails(CheckpointLimitException.class, f, () -> Safetensors.read(f), ReadBudget.MAX_BYTES_PROPERTY, "lots");
        } finally {
            restore(old);
        }
    }

    // ------------------------------------------------------------------ pickle

    /** {@code levels} tuples, each {@code (previous, previous)} through the memo, starting from {@code leaf}. */
    private static void tupleChain(ByteArrayOutputStream p, int memoBase, int levels) {
        p.write('N');
        p.write('r');
        writeInt(p, memoBase);
        p.write('0');
        for (int i = 1; i <= levels; i++) {
            p.write('j');
            writeInt(p, memoBase + i - 1);
            p.write('j');
            writeInt(p, memoBase + i - 1);
            p.write(0x86); // TUPLE2
            p.write('r');
            writeInt(p, memoBase + i);
            p.write('0');
        }
        p.write('j');
        writeInt(p, memoBase + levels);
    }

    private static void writeInt(ByteArrayOutputStream p, int v) {
        p.write(v);
        p.write(v >>> 8);
        p.write(v >>> 16);
        p.write(v >>> 24);
    }

    @Test
    void selfReferencingTupleKeysHashInLinearTime() {
        // dict {t60: None, u60: None} and set {t60}: t60 = (t59, t59) ... expands to 2^60 leaves; u60 is built
        // separately and equals t60, so Python would keep one key
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.write('(');
        p.write('}');
        tupleChain(p, 0, 60);
        p.write('N');
        p.write('s');
        tupleChain(p, 1000, 60);
        p.write('N');
        p.write('s');
        p.write(0x8f); // EMPTY_SET
        p.write('(');
        p.write('j');
        writeInt(p, 60);
        p.write(0x90); // ADDITEMS
        p.write('t'); // TUPLE: (dict, set)
        p.write('.');
        Object root = assertTimeoutPreemptively(QUICK, () -> SafeUnpickler.load(Path.of("bomb.pkl"), p.toByteArray(), null));
        List<?> pair = (List<?>) root;
        Map<?, ?> dict = (Map<?, ?>) pair.get(0);
        assertEquals(1, dict.size(), "structurally equal tuples are one key");
        Object key = dict.keySet().iterator().next();
        assertTrue(((java.util.Set<?>) pair.get(1)).contains(key));
        assertTrue(String.valueOf(key).length() < 300, "printing a key is bounded");
    }

    @Test
    void distinctTupleKeysStayDistinct() {
        // {(1, 'a'): 1, (1, 'b'): 2, (1, 'a'): 3} -> two keys, the first updated
        byte[] p = {(byte) 0x80, 2, '}', '(', 'K', 1, (byte) 0x8c, 1, 'a', (byte) 0x86, 'K', 1, 'K', 1, (byte) 0x8c, 1,
            'b', (byte) 0x86, 'K', 2, 'K', 1, (byte) 0x8c, 1, 'a', (byte) 0x86, 'K', 3, 'u', '.'};
        Map<?, ?> d = (Map<?, ?>) SafeUnpickler.load(Path.of("keys.pkl"), p, null);
        assertEquals(2, d.size());
        List<?> keys = new ArrayList<>(d.keySet());
        assertEquals("(1, 'a')", keys.get(0).toString());
        assertEquals(3L, d.get(keys.get(0)));
        assertEquals("(1, 'b')", keys.get(1).toString());
    }
}
