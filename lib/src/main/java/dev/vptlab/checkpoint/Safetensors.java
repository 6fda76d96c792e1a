package dev.vptlab.checkpoint;

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

    /** True when the file starts like a safetensors file (plausible header length, then '{'). */
    public static boolean looksLike(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 9) {
                return false;
            }
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            long n = head.getLong(0);
            return n >= 2 && n <= ch.size() - 8 && head.get(8) == '{';
        }
    }

    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointFormatException(file, "truncated safetensors file: " + size + " bytes, no header");
            }
            long headerLen = readFully(file, ch, 0, 8).getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw new CheckpointFormatException(file, "not a safetensors file or truncated: header length "
                        + headerLen + " does not fit a file of " + size + " bytes");
            }
            String json = StandardCharsets.UTF_8.decode(readFully(file, ch, 8, (int) headerLen)).toString();
            JsonObject header;
            try {
                header = JsonParser.parseString(json).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new CheckpointFormatException(file, "safetensors header is not a JSON object: " + e.getMessage());
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, RawTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                tensors.put(e.getKey(), readTensor(file, ch, e.getKey(), e.getValue(), dataStart, dataLen));
            }
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static RawTensor readTensor(Path file, FileChannel ch, String name, JsonElement spec,
            long dataStart, long dataLen) throws IOException {
        DType dtype;
        long[] shape;
        long begin;
        long end;
        try {
            JsonObject o = spec.getAsJsonObject();
            dtype = DType.valueOf(o.get("dtype").getAsString());
            shape = new Gson().fromJson(o.get("shape"), long[].class);
            long[] offs = new Gson().fromJson(o.get("data_offsets"), long[].class);
            begin = offs[0];
            end = offs[1];
        } catch (RuntimeException e) {
            throw new CheckpointFormatException(file, "malformed header entry for tensor '" + name + "': " + spec);
        }
        long need;
        try {
            need = RawTensor.numel(shape) * dtype.byteSize();
        } catch (RuntimeException e) {
            throw new CheckpointFormatException(file, "tensor '" + name + "' has an invalid shape " + Arrays.toString(shape));
        }
        if (begin < 0 || end < begin || end - begin != need) {
            throw new CheckpointFormatException(file, "tensor '" + name + "' " + dtype + Arrays.toString(shape)
                    + " needs " + need + " bytes but its data_offsets are [" + begin + ", " + end + "]");
        }
        if (end > dataLen) {
            throw new CheckpointFormatException(file, "truncated: tensor '" + name + "' ends at byte " + end
                    + " of the data section, which has only " + dataLen + " bytes");
        }
        if (need > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(file, "tensor '" + name + "' is larger than 2 GiB");
        }
        return new RawTensor(dtype, shape, readFully(file, ch, dataStart + begin, (int) need));
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
