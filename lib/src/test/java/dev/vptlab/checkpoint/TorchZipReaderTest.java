package dev.vptlab.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The safe {@code .pth} reader against real {@code torch.save} output and hostile
 * files, all made by {@code lib/src/test/python/make_pickle_fixtures.py}.
 */
class TorchZipReaderTest {

    private static Path fixture(String name) {
        String p = System.getProperty("vptlab.fixtures");
        Path dir = p != null ? Path.of(p) : Path.of("src/test/resources/fixtures");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("lib/src/test/resources/fixtures");
        }
        return dir.resolve("pickle").resolve(name);
    }

    private static JsonObject expected() throws IOException {
        try (Reader r = Files.newBufferedReader(fixture("expected.json"))) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    /** Follows "a/b/c" through maps (keys compared as strings) and lists (indices). */
    private static Object at(Object root, String path) {
        Object o = root;
        for (String part : path.split("/")) {
            if (o instanceof Map<?, ?> m) {
                Object next = null;
                boolean found = false;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (String.valueOf(e.getKey()).equals(part)) {
                        next = e.getValue();
                        found = true;
                    }
                }
                assertTrue(found, "no key " + part + " in " + path);
                o = next;
            } else if (o instanceof List<?> l) {
                o = l.get(Integer.parseInt(part));
            } else {
                throw new AssertionError(path + ": cannot descend into " + o);
            }
        }
        return o;
    }

    private static byte[] bytes(RawTensor t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void checkTensors(String file) throws IOException {
        Object root = TorchZipReader.read(fixture(file));
        JsonObject tensors = expected().getAsJsonObject("tensors");
        assertTrue(tensors.size() >= 20, "fixture lists " + tensors.size() + " tensors");
        for (Map.Entry<String, JsonElement> e : tensors.entrySet()) {
            String path = e.getKey();
            JsonObject want = e.getValue().getAsJsonObject();
            RawTensor t = assertInstanceOf(RawTensor.class, at(root, path), path);
            assertEquals(DType.valueOf(want.get("dtype").getAsString()), t.dtype(), path);
            JsonArray shape = want.getAsJsonArray("shape");
            long[] wantShape = new long[shape.size()];
            for (int i = 0; i < wantShape.length; i++) {
                wantShape[i] = shape.get(i).getAsLong();
            }
            assertArrayEquals(wantShape, t.shape(), path);
            assertArrayEquals(HexFormat.of().parseHex(want.get("hex").getAsString()), bytes(t), path + " bytes");
            JsonArray values = want.getAsJsonArray("values");
            float[] got = t.toFloatArray();
            assertEquals(values.size(), got.length, path);
            for (int i = 0; i < got.length; i++) {
                assertEquals(values.get(i).getAsFloat(), got[i], 0f, path + "[" + i + "]");
            }
        }
    }

    @Test
    void readsRealStateDictExactly() throws IOException {
        checkTensors("state_dict.pth");
    }

    @Test
    void readsProtocol4StateDictExactly() throws IOException {
        checkTensors("state_dict_p4.pth");
    }

    @Test
    void stridedViewsAndSpecialShapes() {
        Object root = TorchZipReader.read(fixture("state_dict.pth"));
        RawTensor w = (RawTensor) at(root, "model/w");
        RawTensor wt = (RawTensor) at(root, "model/w_t");
        RawTensor slice = (RawTensor) at(root, "model/w_slice");
        float[] a = w.toFloatArray(); // 3 x 4
        float[] t = wt.toFloatArray(); // 4 x 3
        float[] s = slice.toFloatArray(); // 2 x 2, rows 1.., cols 2..
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(a[i * 4 + j], t[j * 3 + i]);
                if (i >= 1 && j >= 2) {
                    assertEquals(a[i * 4 + j], s[(i - 1) * 2 + (j - 2)]);
                }
            }
        }
        assertArrayEquals(new long[0], ((RawTensor) at(root, "model/scalar")).shape());
        assertArrayEquals(new float[] {3.5f}, ((RawTensor) at(root, "model/scalar")).toFloatArray());
        assertEquals(0, ((RawTensor) at(root, "model/empty")).numel());
    }

    @Test
    @SuppressWarnings("unchecked")
    void plainValuesAndContainers() throws IOException {
        JsonObject want = expected();
        @SuppressWarnings("unchecked")
        Map<Object, Object> root = (Map<Object, Object>) TorchZipReader.read(fixture("state_dict.pth"));
        assertEquals(7L, root.get("epoch"));
        assertEquals(-5L, root.get("neg"));
        assertEquals(new BigInteger(want.get("big").getAsString()), root.get("big"));
        assertEquals(3.25, root.get("pi"));
        assertEquals("vit_base", root.get("name"));
        assertEquals(Boolean.TRUE, root.get("flag"));
        assertTrue(root.containsKey("nothing"));
        assertNull(root.get("nothing"));
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, (byte[]) root.get("raw"));
        assertArrayEquals(new byte[0], (byte[]) root.get("no_raw"));
        List<?> shape = (List<?>) root.get("shape");
        assertEquals(java.util.Arrays.asList(2L, null, "x"), shape);
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) shape).add(1L), "tuples are immutable");
        assertEquals(List.of(1L, List.of(2.5, List.of(false)), Map.of("k", List.of(1L))), root.get("nested"));

        // A module state dict: torch attaches _metadata via BUILD; it is dropped, keys stay in order.
        Map<?, ?> module = (Map<?, ?>) root.get("module");
        assertEquals(List.of("weight", "bias"), List.copyOf(module.keySet()));
        assertArrayEquals(new long[] {3, 2}, ((RawTensor) module.get("weight")).shape()); // values: expected.json

        // An optimizer state dict: int keys, floats, tuples, lists, None, bools, 0-dim tensors.
        Map<?, ?> group = (Map<?, ?>) at(root, "optimizer/param_groups/0");
        assertEquals(want.get("optimizer_lr").getAsDouble(), group.get("lr"));
        assertEquals(List.of(0.9, 0.999), group.get("betas"));
        assertEquals(List.of(0L, 1L), group.get("params"));
        assertEquals(Boolean.FALSE, group.get("amsgrad"));
        assertTrue(group.containsKey("foreach"));
        assertNull(group.get("foreach"));
        Set<String> keys = new java.util.TreeSet<>();
        for (JsonElement k : want.getAsJsonArray("optimizer_keys")) {
            keys.add(k.getAsString());
        }
        assertEquals(keys, new java.util.TreeSet<>(group.keySet()));
        Map<?, ?> state = (Map<?, ?>) at(root, "optimizer/state");
        assertEquals(Set.of(0L, 1L), state.keySet());
        assertInstanceOf(RawTensor.class, at(root, "optimizer/state/1/exp_avg_sq"));
        assertInstanceOf(RawTensor.class, at(root, "model/param"), "nn.Parameter reads as its tensor");
    }

    @Test
    @SuppressWarnings("unchecked")
    void plainPickleProtocol5() throws IOException {
        Path f = fixture("plain_p5.pkl");
        Map<?, ?> m = (Map<?, ?>) SafeUnpickler.load(f, Files.readAllBytes(f), null);
        assertEquals(Set.of(1L, 2L), m.get("s"));
        assertEquals(Set.of("a"), m.get("fs"));
        assertThrows(UnsupportedOperationException.class, () -> ((Set<Object>) m.get("fs")).add("b"));
        assertArrayEquals("xy".getBytes(), (byte[]) m.get("b"));
        assertEquals(List.of(1L, List.of(2L, 3L)), m.get("t"));
        assertEquals(java.util.Arrays.asList(null, true), m.get("l"));
        assertEquals(-0.5, m.get("f"));
        assertEquals("\u00e9\u4e2d", m.get("u"));
        assertEquals(Long.MIN_VALUE, m.get("neg"));
        assertEquals(Map.of("a", 1L), m.get("od"));
    }

    private static void assertRefused(String file, String global) {
        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class,
                () -> TorchZipReader.read(fixture(file)));
        assertEquals(global, e.global());
        assertTrue(e.getMessage().contains(global), e.getMessage());
        assertTrue(e.getMessage().startsWith(fixture(file).toString()), e.getMessage());
    }

    @Test
    void refusesForbiddenGlobals() {
        assertRefused("evil_os_system.pth", "posix.system"); // what os.system pickles as on Linux
        assertRefused("evil_os_literal.pth", "os.system");
        assertRefused("evil_eval.pth", "builtins.eval"); // '__builtin__ eval' at protocol 2
        assertRefused("evil_eval_p4.pth", "builtins.eval"); // STACK_GLOBAL
        assertRefused("evil_namespace.pth", "argparse.Namespace");
    }

    @Test
    void refusesAtTheGlobalOpcodeBeforeAnythingElse() {
        // GLOBAL 'subprocess Popen' followed by garbage: the refusal comes first.
        byte[] p = latin1("\u0080\u0002csubprocess\nPopen\n\u00ff\u00ff");
        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class,
                () -> SafeUnpickler.load(Path.of("mem.pkl"), p, null));
        assertEquals("subprocess.Popen", e.global());
    }

    private static void assertFormatError(Executable ex, String... fragments) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, ex);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void refusesLegacyAndPlainPickles() {
        assertFormatError(() -> TorchZipReader.read(fixture("legacy.pth")), TorchZipReader.LEGACY_MESSAGE);
        assertFormatError(() -> TorchZipReader.read(fixture("plain_pickle.pkl")), TorchZipReader.LEGACY_MESSAGE);
        assertTrue(TorchZipReader.LEGACY_MESSAGE.contains("re-save with a recent torch: torch.save(obj, path)"));
    }

    @Test
    void rejectsBrokenFiles() {
        assertFormatError(() -> TorchZipReader.read(fixture("random.bin")), "not a PyTorch zip checkpoint");
        assertFormatError(() -> TorchZipReader.read(fixture("truncated.pth")), "zip");
        assertFormatError(() -> TorchZipReader.read(fixture("no_data_pkl.zip")), "not a PyTorch zip checkpoint");
        assertFormatError(() -> TorchZipReader.read(fixture("short_storage.pth")), "[2, 3]", "small/data/0", "20 bytes");
        assertFormatError(() -> TorchZipReader.read(fixture("view_past_end.pth")), "[3, 3]", "small/data/0", "past the end");
        assertFormatError(() -> TorchZipReader.read(fixture("missing_storage.pth")), "small/data/0", "missing");
        assertFormatError(() -> TorchZipReader.read(fixture("big_endian.pth")), "big-endian");
        assertFormatError(() -> TorchZipReader.read(fixture("expand_bomb.pth")), "[16777216, 3]", "bytes of memory");
        assertFormatError(() -> TorchZipReader.read(fixture("huge_view.pth")), "[1073741824, 3]", "over 2 GiB");
        assertFormatError(() -> TorchZipReader.read(fixture("absent.pth")), "no such file");
    }

    @Test
    void detectsTorchZips() {
        assertTrue(TorchZipReader.isTorchZip(fixture("state_dict.pth")));
        assertTrue(TorchZipReader.isTorchZip(fixture("small.pth")));
        for (String f : new String[] {"legacy.pth", "random.bin", "truncated.pth", "no_data_pkl.zip", "absent.pth"}) {
            assertFalse(TorchZipReader.isTorchZip(fixture(f)), f);
        }
    }

    private static byte[] latin1(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static byte[] pickle(int... ops) {
        byte[] b = new byte[ops.length];
        for (int i = 0; i < ops.length; i++) {
            b[i] = (byte) ops[i];
        }
        return b;
    }

    private static void assertBadPickle(byte[] p, String... fragments) {
        assertFormatError(() -> SafeUnpickler.load(Path.of("mem.pkl"), p, null), fragments);
    }

    @Test
    void hostilePickles() {
        assertBadPickle(pickle(0x80, 2, 'I', '1', '\n', '.'), "opcode 0x49 ('I') at offset 2");
        assertBadPickle(pickle(0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a'), "truncated pickle at offset");
        assertBadPickle(pickle(0x80, 4, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80, '.'), "truncated pickle at offset");
        assertBadPickle(pickle(0x80, 2, 0x8a, 0xff), "exceeds the limit");
        assertBadPickle(pickle(0x80, 2, 'K', 1), "truncated pickle at offset 4");
        assertBadPickle(pickle(0x80, 2, '}', ']', 'K', 1, 's', '.'), "not hashable"); // list as dict key
        assertBadPickle(pickle(0x80, 2, 'h', 5, '.'), "memo index 5");
        assertBadPickle(pickle(0x80, 2, '.'), "STOP with 0 stack items");
        assertBadPickle(pickle(0x80, 2, 'K', 1, ')', 'R', '.'), "not callable");
        assertBadPickle(pickle(0x80, 2, '0', '.'), "empty stack");
        assertBadPickle(pickle(0x80, 9, 'N', '.'), "protocol 9");
        assertBadPickle(latin1("\u0080\u0002ctorch\nComplexFloatStorage\n."), "not supported");
        assertBadPickle(latin1("\u0080\u0002ctorch._utils\n_rebuild_tensor_v2\n(N)))NNtR."), "no storage");
    }
}
