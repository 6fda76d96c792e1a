package dev.vptlab.checkpoint;

import dev.vptlab.VptlabException;
import dev.vptlab.testutil.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Provide;

/**
 * Mutated copies of the committed checkpoint fixtures, as jqwik arbitraries, and the property every one of
 * them must satisfy: reading it (and, when that works, deriving its architecture and running the strict
 * check, as {@code vptlab checkpoint inspect} does) either succeeds or fails with a {@link VptlabException}
 * naming the file, within {@link #TIME_LIMIT_S} seconds and without {@link OutOfMemoryError}.
 */
abstract class CheckpointMutations {
    static final long TIME_LIMIT_S = 5;

    /** A mutated file: what was done to which fixture, and the bytes. */
    record Case(String what, byte[] bytes) {
        @Override
        public String toString() {
            return what + " (" + bytes.length + " bytes)";
        }
    }

    // ------------------------------------------------------------------ fixtures

    private static final Map<String, byte[]> FIXTURES = new LinkedHashMap<>();

    static byte[] fixture(String relative) {
        return FIXTURES.computeIfAbsent(relative, r -> {
            try {
                return Files.readAllBytes(Fixtures.root().resolve(r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static final List<String> ANY = List.of("vit/vit_timm.safetensors", "vit/vit_timm_bf16.safetensors",
            "vit/vit_google.npz", "vit/vit_mae.pth", "pickle/state_dict.pth", "pickle/small.pth");
    private static final List<String> TORCH = List.of("vit/vit_mae.pth", "pickle/state_dict.pth", "pickle/small.pth");

    /** Numbers around the edges that readers get wrong: zero, powers of two, int and long limits. */
    private static final List<String> NUMBERS = List.of("0", "1", "3", "8", "24", "255", "65536", "2147483647",
            "2147483648", "4294967296", "9007199254740992", "4611686018427387904", "9223372036854775807",
            "18446744073709551616", "-1", "-9223372036854775808", "99999999999");

    // ------------------------------------------------------------------ arbitraries

    private static Arbitrary<String> number() {
        return Arbitraries.oneOf(Arbitraries.of(NUMBERS), Arbitraries.longs().between(0, 100_000).map(String::valueOf));
    }

    /** 1 to 8 bytes overwritten, half of them within the first 4 KiB (headers) or the last 4 KiB (zip directory). */
    @Provide
    Arbitrary<Case> flippedBytes() {
        Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 255))
                .as((region, pos, value) -> new int[] {region, pos, value});
        return Combinators.combine(Arbitraries.of(ANY), edit.list().ofMinSize(1).ofMaxSize(8)).as((f, edits) -> {
            byte[] b = fixture(f).clone();
            for (int[] e : edits) {
                int window = Math.min(4096, b.length);
                int at = switch (e[0]) {
                    case 0 -> e[1] % window;
                    case 1 -> b.length - 1 - e[1] % window;
                    default -> e[1] % b.length;
                };
                b[at] = (byte) e[2];
            }
            return new Case(f + " with " + edits.size() + " byte(s) overwritten", b);
        });
    }

    @Provide
    Arbitrary<Case> truncated() {
        return Combinators.combine(Arbitraries.of(ANY), Arbitraries.doubles().between(0, 1)).as((f, frac) -> {
            byte[] b = fixture(f);
            int len = (int) (b.length * frac);
            return new Case(f + " cut to " + len + " bytes", java.util.Arrays.copyOf(b, len));
        });
    }

    private static final Pattern ST_TOKEN = Pattern.compile("-?\\d+|\"[A-Z0-9]+\"");

    /** One number or dtype in a safetensors header replaced, the header length kept consistent (or not). */
    @Provide
    Arbitrary<Case> safetensorsHeaders() {
        Arbitrary<String> replacement = Arbitraries.oneOf(number(), Arbitraries.of("1.5", "1e30", "null", "[]", "{}",
                "true", "\"x\"", "\"F32\"", "\"F16\"", "\"BF16\"", "\"I8\"", "\"BOOL\"", "\"F64\"", "[1]", "-0"));
        Arbitrary<String> metadata = Arbitraries.of("", "\"__metadata__\":[],", "\"__metadata__\":null,",
                "\"__metadata__\":{\"num_heads\":\"3\"},", "\"__metadata__\":{\"num_heads\":\"x\"},",
                "\"__metadata__\":{\"num_heads\":3},", "\"__metadata__\":{\"a\":{}},");
        Arbitrary<String> lengthField = Arbitraries.oneOf(Arbitraries.just("keep"), number());
        return Combinators.combine(Arbitraries.of("vit/vit_timm.safetensors", "vit/vit_timm_bf16.safetensors"),
                Arbitraries.integers().between(0, 5000), replacement, metadata, lengthField)
                .as((f, index, with, meta, length) -> {
                    byte[] b = fixture(f);
                    int headerLen = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    String json = new String(b, 8, headerLen, StandardCharsets.UTF_8);
                    List<int[]> tokens = new ArrayList<>();
                    Matcher m = ST_TOKEN.matcher(json);
                    while (m.find()) {
                        tokens.add(new int[] {m.start(), m.end()});
                    }
                    int[] t = tokens.get(index % tokens.size());
                    String mutated = "{" + meta + json.substring(1, t[0]) + with + json.substring(t[1]);
                    byte[] h = mutated.getBytes(StandardCharsets.UTF_8);
                    long claimed = length.equals("keep") ? h.length : parseLong(length);
                    byte[] out = ByteBuffer.allocate(8 + h.length + b.length - 8 - headerLen)
                            .order(ByteOrder.LITTLE_ENDIAN).putLong(claimed).put(h)
                            .put(b, 8 + headerLen, b.length - 8 - headerLen).array();
                    return new Case(f + ": token " + index % tokens.size() + " := " + with + ", metadata " + meta
                            + " length " + length, out);
                });
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One array of the Google .npz given another .npy header: dtype, order and shape. */
    @Provide
    Arbitrary<Case> npyHeaders() {
        Arbitrary<String> dim = Arbitraries.oneOf(number(), Arbitraries.of("576L", "1e3", "", " ", "x", "(1)", "1.0",
                "12345678901234567890"));
        Arbitrary<String> shape = dim.list().ofMaxSize(4).map(ds -> String.join(", ", ds) + (ds.size() == 1 ? "," : ""));
        Arbitrary<String> descr = Arbitraries.of("<f4", "<f8", "<f2", "|b1", "<i8", "|u1", ">f4", "<c8", "|O",
                "<f4000000000000000000", "<U5", "<f");
        return Combinators.combine(Arbitraries.integers().between(0, 500), descr, Arbitraries.of(true, false), shape,
                Arbitraries.of(true, false), Arbitraries.doubles().between(0, 1.2)).as(
                        (index, d, fortran, s, deflate, keep) -> {
                    Map<String, byte[]> entries = google();
                    String name = new ArrayList<>(entries.keySet()).get(index % entries.size());
                    byte[] old = entries.get(name);
                    int headerEnd = 10 + ((old[8] & 0xff) | (old[9] & 0xff) << 8);
                    byte[] data = java.util.Arrays.copyOfRange(old, headerEnd,
                            headerEnd + (int) Math.min(old.length - headerEnd, (old.length - headerEnd) * keep));
                    entries.put(name, HostileFiles.npyWithHeader("{'descr': '" + d + "', 'fortran_order': "
                            + (fortran ? "True" : "False") + ", 'shape': (" + s + "), }", data));
                    return new Case("vit_google.npz: " + name + " as " + d + " (" + s + ")" + (fortran ? " fortran" : "")
                            + (deflate ? " deflated" : "") + ", " + data.length + " data bytes",
                            HostileFiles.zip(entries, deflate));
                });
    }

    private static Map<String, byte[]> googleEntries;

    private static synchronized Map<String, byte[]> google() {
        if (googleEntries == null) {
            googleEntries = HostileFiles.unzip(fixture("vit/vit_google.npz"));
        }
        return new LinkedHashMap<>(googleEntries);
    }

    /** Opcode snippets: containers, memo traffic, long lengths, allowed and forbidden globals. */
    private static byte[] snippet(int kind, int arg) {
        String s = switch (kind) {
            case 0 -> "(";
            case 1 -> ")";
            case 2 -> "t";
            case 3 -> "\u0085";
            case 4 -> "\u0086";
            case 5 -> "\u0087";
            case 6 -> "}";
            case 7 -> "s";
            case 8 -> "u";
            case 9 -> "]";
            case 10 -> "a";
            case 11 -> "e";
            case 12 -> "\u008f";
            case 13 -> "\u0090";
            case 14 -> "\u0091";
            case 15 -> "N";
            case 16 -> "K" + (char) arg;
            case 17 -> "J" + (char) arg + "\u0000\u0000" + (char) (arg & 0x80);
            case 18 -> "\u008a\u0009" + "\u0000".repeat(8) + (char) arg;
            case 19 -> "\u008c\u0001" + (char) ('a' + arg % 26);
            case 20 -> "X" + (char) arg + "\u00ff\u00ff\u007f";
            case 21 -> "h" + (char) (arg % 8);
            case 22 -> "q" + (char) (arg % 8);
            case 23 -> "\u0094";
            case 24 -> "2";
            case 25 -> "0";
            case 26 -> "1";
            case 27 -> "ctorch._utils\n_rebuild_tensor_v2\n";
            case 28 -> "ccollections\nOrderedDict\n";
            case 29 -> "cos\nsystem\n";
            case 30 -> "R";
            case 31 -> "b";
            case 32 -> "\u0081";
            case 33 -> "Q";
            case 34 -> "\u0088";
            case 35 -> "l";
            case 36 -> "d";
            case 37 -> "ctorch\nFloatStorage\n";
            case 38 -> "G" + "\u007f\u00f0" + "\u0000".repeat(6);
            default -> "\u0095" + (char) arg + "\u0000".repeat(7);
        };
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final int SNIPPETS = 40;

    private static Arbitrary<byte[]> opcodes() {
        return Combinators.combine(Arbitraries.integers().between(0, SNIPPETS - 1), Arbitraries.integers().between(0, 255))
                .as(CheckpointMutations::snippet).list().ofMinSize(1).ofMaxSize(60).map(parts -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    parts.forEach(b::writeBytes);
                    return b.toByteArray();
                });
    }

    /** A torch checkpoint whose data.pkl has bytes overwritten and/or a run of opcodes spliced in. */
    @Provide
    Arbitrary<Case> pickleEdits() {
        Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 255)).as((p, v) -> new int[] {p, v});
        return Combinators.combine(Arbitraries.of(TORCH), edit.list().ofMaxSize(4), opcodes().injectNull(0.5),
                Arbitraries.integers().between(0, Integer.MAX_VALUE)).as((f, edits, splice, at) -> {
                    Map<String, byte[]> entries = HostileFiles.unzip(fixture(f));
                    String pkl = entries.keySet().stream().filter(k -> k.endsWith("/data.pkl")).findFirst().orElseThrow();
                    byte[] p = entries.get(pkl).clone();
                    for (int[] e : edits) {
                        p[e[0] % p.length] = (byte) e[1];
                    }
                    if (splice != null) {
                        int i = at % p.length;
                        ByteArrayOutputStream b = new ByteArrayOutputStream();
                        b.write(p, 0, i);
                        b.writeBytes(splice);
                        b.write(p, i, p.length - i);
                        p = b.toByteArray();
                    }
                    entries.put(pkl, p);
                    return new Case(f + ": data.pkl with " + edits.size() + " byte(s) overwritten"
                            + (splice == null ? "" : " and " + splice.length + " opcode bytes spliced in"),
                            HostileFiles.zip(entries, false));
                });
    }

    /** A whole data.pkl made of random opcodes (protocol 2 header, STOP at the end) in small.pth's zip. */
    @Provide
    Arbitrary<Case> picklePrograms() {
        return opcodes().map(ops -> {
            Map<String, byte[]> entries = HostileFiles.unzip(fixture("pickle/small.pth"));
            String pkl = entries.keySet().stream().filter(k -> k.endsWith("/data.pkl")).findFirst().orElseThrow();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(0x80);
            b.write(2);
            b.writeBytes(ops);
            b.write('.');
            entries.put(pkl, b.toByteArray());
            return new Case("small.pth with a random " + ops.length + "-byte pickle", HostileFiles.zip(entries, false));
        });
    }

    /** Every kind above, for the benchmark run. */
    @Provide
    Arbitrary<Case> anyMutation() {
        return Arbitraries.oneOf(flippedBytes(), truncated(), safetensorsHeaders(), npyHeaders(), pickleEdits(),
                picklePrograms());
    }

    // ------------------------------------------------------------------ the property

    /** Outcomes so far, for the benchmark's report. */
    static final AtomicLong LOADED = new AtomicLong();
    static final AtomicLong TYPED = new AtomicLong();
    static final AtomicLong UNTYPED = new AtomicLong();
    static final AtomicLong HANGS = new AtomicLong();
    static final AtomicLong OOMS = new AtomicLong();
    static final Map<String, AtomicLong> BY_TYPE = new java.util.concurrent.ConcurrentSkipListMap<>();

    private static ExecutorService worker = newWorker();
    private static Path dir;

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "checkpoint-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the case as inspect does; fails the property on anything but success or a typed error. */
    static synchronized void check(Case c) {
        Path file;
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("checkpoint-fuzz");
                // One folder per test JVM, reused by every case; gone when the JVM exits (the file first).
                dir.toFile().deleteOnExit();
                dir.resolve("case.bin").toFile().deleteOnExit();
            }
            file = dir.resolve("case.bin");
            Files.write(file, c.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Future<Throwable> result = worker.submit(() -> {
            try {
                Checkpoint ck = Checkpoint.read(file);
                Checkpoint.Architecture a = ck.architecture();
                BackboneLoader.match(ck, BackboneLoader.expectedShapes(a.shapes()), new ArrayList<>());
                for (Object k : ck.otherEntries()) {
                    String.valueOf(k);
                }
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Throwable t;
        try {
            t = result.get(TIME_LIMIT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            HANGS.incrementAndGet();
            result.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError("no answer within " + TIME_LIMIT_S + " s: " + c);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
        if (t == null) {
            LOADED.incrementAndGet();
            return;
        }
        if (t instanceof OutOfMemoryError) {
            OOMS.incrementAndGet();
            throw new AssertionError("out of memory: " + c, t);
        }
        if (!(t instanceof VptlabException) || !t.getMessage().contains(file.toString())) {
            UNTYPED.incrementAndGet();
            throw new AssertionError("untyped error or message without the file: " + c, t);
        }
        TYPED.incrementAndGet();
        BY_TYPE.computeIfAbsent(t.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
    }
}
