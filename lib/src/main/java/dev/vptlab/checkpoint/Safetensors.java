package dev.vptlab.checkpoint;

import dev.vptlab.util.AtomicFiles;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (timm / Hugging Face): an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the raw
 * little-endian tensor bytes. Every offset is checked against the file before anything is allocated.
 */
public final class Safetensors {
    /** Headers beyond this are refused: real files have headers of a few hundred kB at most. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    /** A file's tensors, in header order, and its string metadata. */
    public record Contents(Map<String, RawTensor> tensors, Map<String, String> metadata) {}

    private Safetensors() {}

    /**
     * True when the file starts like a safetensors file: a header length of at least 2, then '{'. Whether
     * the length fits the file is left to {@link #read}, which says so, rather than calling a truncated
     * file "wrong magic".
     */
    public static boolean looksLike(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 9) {
                return false;
            }
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            long n = head.getLong(0);
            return n >= 2 && head.get(8) == '{';
        }
    }

    /** One header entry, checked against the data section but not yet read. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointFormatException(file, "truncated safetensors file: " + size + " bytes, no header");
            }
            long headerLen = readFully(file, ch, 0, 8).getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointFormatException(file, "safetensors header length " + Long.toUnsignedString(headerLen)
                        + " is outside 2.." + MAX_HEADER_BYTES + " bytes (corrupt length field)");
            }
            if (headerLen > size - 8) {
                throw new CheckpointFormatException(file, "truncated safetensors file: the header claims "
                        + headerLen + " bytes but only " + (size - 8) + " follow the length field");
            }
            ReadBudget budget = new ReadBudget(file, size);
            budget.charge(headerLen, "safetensors header");
            String json = StandardCharsets.UTF_8.decode(readFully(file, ch, 8, (int) headerLen)).toString();
            JsonObject header;
            try {
                header = JsonParser.parseString(json).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new CheckpointFormatException(file, "safetensors header is not a JSON object: " + e.getMessage());
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = Map.of();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    metadata = metadata(file, e.getValue());
                } else {
                    entries.add(entry(file, e.getKey(), e.getValue(), dataLen));
                }
            }
            checkCoverage(file, entries, dataLen);
            budget.charge(dataLen, "the tensors' data section");
            Map<String, RawTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer bytes = readFully(file, ch, dataStart + e.begin(), (int) (e.end() - e.begin()));
                tensors.put(e.name(), new RawTensor(e.dtype(), e.shape(), bytes));
            }
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The format defines {@code __metadata__} as a map from strings to strings; nothing else is accepted. */
    private static Map<String, String> metadata(Path file, JsonElement value) {
        if (!value.isJsonObject()) {
            throw new CheckpointFormatException(file, "safetensors __metadata__ must be a JSON object of strings, got "
                    + kind(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
            JsonElement v = m.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new CheckpointFormatException(file, "safetensors __metadata__ value for '" + m.getKey()
                        + "' must be a string, got " + kind(v));
            }
            out.put(m.getKey(), v.getAsString());
        }
        return out;
    }

    private static String kind(JsonElement v) {
        if (v.isJsonNull()) {
            return "null";
        }
        if (v.isJsonObject()) {
            return "an object";
        }
        if (v.isJsonArray()) {
            return "an array";
        }
        return v.getAsJsonPrimitive().isString() ? "a string" : v.getAsJsonPrimitive().isBoolean() ? "a boolean"
                : "a number";
    }

    private static Entry entry(Path file, String name, JsonElement spec, long dataLen) {
        DType dtype;
        long[] shape;
        long begin;
        long end;
        try {
            JsonObject o = spec.getAsJsonObject();
            dtype = DType.valueOf(o.get("dtype").getAsString());
            shape = new Gson().fromJson(o.get("shape"), long[].class);
            long[] offs = new Gson().fromJson(o.get("data_offsets"), long[].class);
            if (shape == null || offs == null || offs.length != 2) {
                throw new IllegalStateException("missing field");
            }
            begin = offs[0];
            end = offs[1];
        } catch (RuntimeException e) {
            throw new CheckpointFormatException(file, "malformed header entry for tensor '" + name + "': "
                    + abbreviate(String.valueOf(spec)));
        }
        String what = "tensor '" + name + "'";
        long need = TensorBytes.of(file, what, shape, dtype);
        if (begin < 0 || end < begin || end - begin != need) {
            throw new CheckpointFormatException(file, what + " " + dtype + Arrays.toString(shape)
                    + " needs " + need + " bytes but its data_offsets are [" + begin + ", " + end + "]");
        }
        if (end > dataLen) {
            throw new CheckpointFormatException(file, "truncated: " + what + " ends at byte " + end
                    + " of the data section, which has only " + dataLen + " bytes");
        }
        if (need > Integer.MAX_VALUE - 8) {
            throw new CheckpointLimitException(file, what + " is larger than 2 GiB");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /**
     * The format requires the data section to be entirely indexed without holes (so that no other content
     * can hide in it); overlapping tensors would alias each other's bytes. Sorted by offset, each tensor must
     * start where the previous one ended, and the last must end at the end of the file.
     */
    private static void checkCoverage(Path file, List<Entry> entries, long dataLen) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin() < at) {
                throw new CheckpointFormatException(file, "tensor '" + e.name() + "' (bytes " + e.begin() + ".."
                        + e.end() + ") overlaps tensor '" + previous + "', which ends at byte " + at);
            }
            if (e.begin() > at) {
                throw new CheckpointFormatException(file, "bytes " + at + ".." + e.begin() + " of the data section"
                        + " belong to no tensor (the format allows no holes)");
            }
            at = e.end();
            previous = e.name();
        }
        if (at != dataLen) {
            throw new CheckpointFormatException(file, "the data section has " + dataLen + " bytes but its tensors"
                    + " end at byte " + at + " (the format allows no trailing bytes)");
        }
    }

    /** Header text comes from the file: quote at most a line of it. */
    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    private static ByteBuffer readFully(Path file, FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new CheckpointFormatException(file, "truncated at byte " + (pos + b.position()));
            }
        }
        return b.flip();
    }

    /**
     * Writes tensors (in the given order) and metadata atomically: a temporary file beside the target
     * is written, forced to disk and renamed over it, so a crash never leaves a half-written file.
     * Metadata keys are written sorted, whatever the map's order ({@code Map.of} has none that is stable
     * from one JVM to the next), so the same tensors and metadata always give the same bytes.
     */
    public static void write(Path file, Map<String, RawTensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject m = new JsonObject();
            new TreeMap<>(metadata).forEach(m::addProperty);
            header.add("__metadata__", m);
        }
        long offset = 0;
        List<ByteBuffer> blobs = new ArrayList<>();
        for (Map.Entry<String, RawTensor> e : tensors.entrySet()) {
            RawTensor t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().name());
            o.add("shape", new Gson().toJsonTree(t.shape()));
            long n = t.numel() * t.dtype().byteSize();
            o.add("data_offsets", new Gson().toJsonTree(new long[] {offset, offset + n}));
            header.add(e.getKey(), o);
            offset += n;
            blobs.add(t.data());
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        // The format asks for the data section to start 8-byte aligned: pad the header with spaces.
        int pad = (8 - json.length % 8) % 8;
        ByteBuffer head = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(json.length + pad).put(json);
        for (int i = 0; i < pad; i++) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.write(file, ch -> {
            ch.write(head);
            for (ByteBuffer b : blobs) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        });
    }
}
