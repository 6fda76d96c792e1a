package dev.vptlab.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch checkpoint ({@code .pth}, {@code .pth.tar}) written by {@code torch.save} since PyTorch
 * 1.6: a zip holding {@code <archive>/data.pkl} (the pickled object) and one raw little-endian file
 * {@code <archive>/data/<key>} per storage.
 *
 * <p>Why: DJL cannot read pickled state dicts, and users should load the official files as downloaded; so
 * vptlab reads them itself, safely, and the strict key/shape checks run in Java at load time.
 * The pickle is decoded by {@link SafeUnpickler}, which refuses every global outside a small allow-list;
 * this class supplies the storages and turns each {@code _rebuild_tensor_v2} view (any offset and strides)
 * into a contiguous {@link RawTensor}. Tensors that are contiguous views share their storage's bytes; other
 * views (e.g. {@code w.t()}) are gathered into a copy.
 *
 * <p>Every size is checked before use: storage entries against the element count in the pickle, tensor
 * views against their storage, and the total bytes materialised against a {@link ReadBudget}, so that a
 * hostile file fails with a {@link CheckpointFormatException} instead of exhausting memory.
 *
 * <p>Long because PyTorch's zip container (directory, storages, the pickled index) is one format read end to end
 * here.
 */
public final class TorchZipReader {

    /** Legacy (pre-1.6) torch files: protocol-2 pickle starting with LONG1 0x1950a86a20f9469cfc6c. */
    private static final byte[] LEGACY_MAGIC = {
        (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
        (byte) 0xa8, 0x50, 0x19
    };

    static final String LEGACY_MESSAGE = "legacy (non-zip) torch serialization is not supported; re-save with a"
            + " recent torch: torch.save(obj, path)";

    /** Largest single storage: Java arrays hold at most about 2 GiB. */
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private TorchZipReader() {}

    /**
     * Reads the object saved in {@code file}: typically a {@code Map} (state dict or a dict holding one)
     * whose tensors are {@link RawTensor}s. See {@link SafeUnpickler} for how Python values map to Java.
     *
     * @throws UnsafeCheckpointException if the pickle names a global outside the allow-list
     * @throws CheckpointFormatException if the file is missing, unreadable or not a well-formed zip
     *     checkpoint (legacy torch format, truncated, inconsistent storage sizes, ...)
     */
    public static Object read(Path file) {
        checkMagic(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return new Reading(file, zip, Files.size(file)).run();
        } catch (ZipException | IllegalArgumentException e) {
            // java.util.zip reports malformed entry names with IllegalArgumentException
            throw new CheckpointFormatException(file, "not a readable zip archive (truncated or corrupt?): "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read: " + e, e);
        }
    }

    /** Whether {@code file} is a zip holding a top-level {@code <archive>/data.pkl}; never throws. */
    public static boolean isTorchZip(Path file) {
        try {
            if (!startsWithZipMagic(file)) {
                return false;
            }
            try (ZipFile zip = new ZipFile(file.toFile())) {
                return findArchivePrefixes(zip).size() == 1;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void checkMagic(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointFormatException(file, "no such file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(LEGACY_MAGIC.length);
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read: " + e, e);
        }
        if (isZipMagic(head)) {
            return;
        }
        boolean legacy = Arrays.equals(head, LEGACY_MAGIC);
        boolean pickle = head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        if (legacy || pickle) {
            throw new CheckpointFormatException(file, LEGACY_MESSAGE);
        }
        throw new CheckpointFormatException(file, "not a PyTorch zip checkpoint (no zip or pickle signature)");
    }

    private static boolean startsWithZipMagic(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return isZipMagic(in.readNBytes(4));
        }
    }

    /** "PK\3\4" (a local file header) or "PK\5\6" (an empty archive's end record). */
    private static boolean isZipMagic(byte[] h) {
        return h.length >= 4 && h[0] == 'P' && h[1] == 'K'
                && ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6));
    }

    /** Top-level folders holding a data.pkl; torch writes exactly one, named after the file. */
    private static List<String> findArchivePrefixes(ZipFile zip) {
        List<String> prefixes = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                prefixes.add(name.substring(0, slash + 1));
            }
        }
        return prefixes;
    }

    /** A storage named by a persistent id ('storage', type, key, location, numel); bytes load lazily. */
    private record StorageRef(String key, DType dtype, long numel) {}

    /** One read of one file: the open zip, its loaded storages and the memory budget. */
    private static final class Reading implements SafeUnpickler.TensorSource {
        private final Path file;
        private final ZipFile zip;
        private final ReadBudget budget;
        private final Map<String, byte[]> storages = new HashMap<>();
        private String prefix;

        Reading(Path file, ZipFile zip, long fileSize) {
            this.file = file;
            this.zip = zip;
            this.budget = new ReadBudget(file, fileSize);
        }

        Object run() throws IOException {
            List<String> prefixes = findArchivePrefixes(zip);
            if (prefixes.isEmpty()) {
                throw new CheckpointFormatException(file, "not a PyTorch zip checkpoint: no <archive>/data.pkl entry");
            }
            if (prefixes.size() > 1) {
                throw new CheckpointFormatException(file, "ambiguous checkpoint: data.pkl found under " + prefixes);
            }
            prefix = prefixes.get(0);
            checkByteOrder();
            byte[] pickle = entry(prefix + "data.pkl", SafeUnpickler.MAX_PICKLE_BYTES);
            return SafeUnpickler.load(file, pickle, this);
        }

        /** torch >= 2.0 records the writer's byte order; storages are raw machine-order bytes. */
        private void checkByteOrder() throws IOException {
            if (zip.getEntry(prefix + "byteorder") == null) {
                return; // older writers: little-endian, as torch itself assumes
            }
            String order = new String(entry(prefix + "byteorder", 16), StandardCharsets.US_ASCII).trim();
            if (order.equals("big")) {
                throw new CheckpointFormatException(file, "big-endian checkpoint (byteorder=big) is not supported;"
                        + " re-save it on a little-endian machine");
            }
            if (!order.equals("little")) {
                throw new CheckpointFormatException(file, "unknown byteorder record '" + order + "'");
            }
        }

        @Override
        public Object persistentLoad(Object pid) {
            if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) {
                throw new CheckpointFormatException(file,
                        "unexpected persistent id (expected ('storage', type, key, location, numel))");
            }
            if (!(t.get(1) instanceof SafeUnpickler.StorageType type)) {
                throw new CheckpointFormatException(file, "persistent id without a storage type");
            }
            if (!(t.get(2) instanceof String key) || !key.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new CheckpointFormatException(file, "persistent id with a malformed storage key");
            }
            if (!(t.get(4) instanceof Long numel) || numel < 0) {
                throw new CheckpointFormatException(file, "storage '" + key + "' has a malformed element count");
            }
            return new StorageRef(key, type.dtype(), numel);
        }

        @Override
        public RawTensor rebuildTensor(Object storage, long offset, long[] size, long[] stride) {
            if (!(storage instanceof StorageRef ref)) {
                throw new CheckpointFormatException(file, "tensor rebuilt from something that is not a storage");
            }
            String where = "tensor of shape " + Arrays.toString(size) + " (offset " + offset + ", stride "
                    + Arrays.toString(stride) + ") in storage '" + prefix + "data/" + ref.key() + "'";
            try {
                return view(ref, offset, size, stride, where);
            } catch (ArithmeticException e) {
                throw new CheckpointFormatException(file, where + ": sizes overflow");
            }
        }

        private RawTensor view(StorageRef ref, long offset, long[] size, long[] stride, String where) {
            int item = ref.dtype().byteSize();
            long numel = RawTensor.numel(size);
            long bytes = Math.multiplyExact(numel, item);
            if (bytes > MAX_ARRAY_BYTES) {
                throw new CheckpointFormatException(file, where + ": tensors over 2 GiB are not supported");
            }
            byte[] data = storage(ref, where);
            long storageBytes = Math.multiplyExact(ref.numel(), item);
            if (data.length < storageBytes) {
                throw new CheckpointFormatException(file, where + ": storage entry holds " + data.length
                        + " bytes but its " + ref.numel() + " " + ref.dtype() + " elements need " + storageBytes);
            }
            if (numel == 0) {
                return new RawTensor(ref.dtype(), size, ByteBuffer.allocate(0));
            }
            long last = offset;
            for (int d = 0; d < size.length; d++) {
                last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
            }
            if (last >= ref.numel()) {
                throw new CheckpointFormatException(file, where + ": reads element " + last
                        + " past the end of its storage of " + ref.numel() + " elements");
            }
            if (isContiguous(size, stride)) {
                return new RawTensor(ref.dtype(), size, ByteBuffer.wrap(data, (int) (offset * item), (int) bytes));
            }
            budget.charge(bytes, where);
            return new RawTensor(ref.dtype(), size, ByteBuffer.wrap(gather(data, item, offset, size, stride)));
        }

        /** Row-major strides, ignoring dimensions of size 1 (whose stride torch leaves arbitrary). */
        private static boolean isContiguous(long[] size, long[] stride) {
            long expected = 1;
            for (int d = size.length - 1; d >= 0; d--) {
                if (size[d] != 1 && stride[d] != expected) {
                    return false;
                }
                expected *= size[d];
            }
            return true;
        }

        /** Copies a strided view into row-major order, one innermost row at a time. */
        private static byte[] gather(byte[] src, int item, long offset, long[] size, long[] stride) {
            int nd = size.length; // >= 1 here: a 0-dim view is always contiguous
            long inner = size[nd - 1];
            long innerStride = stride[nd - 1];
            byte[] out = new byte[(int) (RawTensor.numel(size) * item)];
            long[] index = new long[nd - 1];
            long base = offset; // element index of the current row's first element
            int outPos = 0;
            while (outPos < out.length) {
                if (innerStride == 1) {
                    System.arraycopy(src, (int) (base * item), out, outPos, (int) (inner * item));
                    outPos += (int) (inner * item);
                } else {
                    for (long j = 0; j < inner; j++) {
                        System.arraycopy(src, (int) ((base + j * innerStride) * item), out, outPos, item);
                        outPos += item;
                    }
                }
                for (int d = nd - 2; d >= 0; d--) { // odometer over the outer dimensions
                    base += stride[d];
                    if (++index[d] < size[d]) {
                        break;
                    }
                    base -= stride[d] * size[d];
                    index[d] = 0;
                }
            }
            return out;
        }

        private byte[] storage(StorageRef ref, String where) {
            byte[] data = storages.get(ref.key());
            if (data == null) {
                String name = prefix + "data/" + ref.key();
                if (zip.getEntry(name) == null) {
                    throw new CheckpointFormatException(file, where + ": storage entry " + name + " is missing");
                }
                try {
                    data = entry(name, MAX_ARRAY_BYTES);
                } catch (IOException e) {
                    throw new CheckpointFormatException(file, where + ": cannot read " + name + ": " + e, e);
                }
                storages.put(ref.key(), data);
            }
            return data;
        }

        /** Reads a whole entry after checking its declared size against {@code max} and the budget. */
        private byte[] entry(String name, long max) throws IOException {
            ZipEntry e = zip.getEntry(name);
            if (e == null) {
                throw new CheckpointFormatException(file, "entry " + name + " is missing");
            }
            long size = e.getSize();
            if (size < 0 || size > max) {
                throw new CheckpointFormatException(file, "entry " + name + " declares " + size
                        + " bytes (limit " + max + ")");
            }
            budget.charge(size, "entry " + name);
            try (InputStream in = zip.getInputStream(e)) {
                byte[] data = in.readNBytes((int) size); // grows as bytes arrive, not from the declared size
                if (data.length != size || in.read() != -1) {
                    throw new CheckpointFormatException(file, "entry " + name + " does not hold the "
                            + size + " bytes its header declares");
                }
                return data;
            }
        }
    }
}
