package dev.vptlab.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * NumPy {@code .npz} archives (Google's ViT releases): a zip of {@code .npy} entries, each a magic
 * string, a version, a Python-literal header {@code {'descr': '<f4', 'fortran_order': False, 'shape': (..)}}
 * and raw data. Compressed ({@code savez_compressed}) archives are read too.
 */
public final class Npz {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy writes headers of a few hundred bytes; version 2 allows 4 GiB, which nothing real needs. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    /** Java arrays hold at most about 2 GiB. */
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private Npz() {}

    /** Reads every array; names are the entry names without the {@code .npy} suffix. */
    public static Map<String, RawTensor> read(Path file) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ReadBudget budget = new ReadBudget(file, Files.size(file));
            List<? extends ZipEntry> entries = new ArrayList<>(java.util.Collections.list(zip.entries()));
            for (ZipEntry e : entries) {
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
                if (out.containsKey(name)) {
                    throw new CheckpointFormatException(file, ".npz archive holds array '" + name + "' twice");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(name, readNpy(file, name, in, e.getSize(), budget));
                }
            }
        } catch (ZipException | IllegalArgumentException e) {
            // java.util.zip reports malformed entry names with IllegalArgumentException
            throw new CheckpointFormatException(file, "not a readable .npz (zip) archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read .npz: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CheckpointFormatException(file, ".npz archive holds no arrays");
        }
        return out;
    }

    static RawTensor readNpy(Path file, String name, InputStream in, long entrySize, ReadBudget budget)
            throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(magic, 6), MAGIC)) {
            throw new CheckpointFormatException(file, "array '" + name + "' is not an .npy entry (bad magic)");
        }
        int major = magic[6];
        int headerLen;
        if (major == 1) {
            byte[] l = in.readNBytes(2);
            if (l.length < 2) {
                throw new CheckpointFormatException(file, "array '" + name + "': truncated .npy header");
            }
            headerLen = (l[0] & 0xff) | (l[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] l = in.readNBytes(4);
            if (l.length < 4) {
                throw new CheckpointFormatException(file, "array '" + name + "': truncated .npy header");
            }
            headerLen = ByteBuffer.wrap(l).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            throw new CheckpointFormatException(file, "array '" + name + "': unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw new CheckpointFormatException(file, "array '" + name + "': implausible .npy header length "
                    + Integer.toUnsignedString(headerLen) + " (limit " + MAX_HEADER_BYTES + ")");
        }
        byte[] hb = in.readNBytes(headerLen);
        if (hb.length < headerLen) {
            throw new CheckpointFormatException(file, "array '" + name + "': truncated .npy header");
        }
        NpyHeader h = NpyHeader.parse(file, name, new String(hb, StandardCharsets.ISO_8859_1));
        DType dtype = h.dtype();
        long[] shape = h.shape();
        String what = "array '" + name + "'";
        long need = TensorBytes.of(file, what, shape, dtype);
        long available = entrySize < 0 ? Long.MAX_VALUE : entrySize - 8 - (major == 1 ? 2 : 4) - headerLen;
        if (need > available) {
            throw new CheckpointFormatException(file, what + " " + dtype + java.util.Arrays.toString(shape)
                    + " needs " + need + " bytes but its entry holds " + available);
        }
        if (need > MAX_ARRAY_BYTES) {
            throw new CheckpointLimitException(file, what + " " + dtype + java.util.Arrays.toString(shape)
                    + " needs " + need + " bytes; arrays over 2 GiB are not supported");
        }
        // Charged before reading: the entry's declared size is itself a claim (a deflated entry of zeros
        // expands about a thousandfold).
        budget.charge(need, what);
        byte[] data = in.readNBytes((int) need); // grows as bytes arrive, not from the claimed size
        if (data.length < need) {
            throw new CheckpointFormatException(file, what + " is truncated: " + data.length + " of "
                    + need + " bytes");
        }
        RawTensor t = new RawTensor(dtype, shape, ByteBuffer.wrap(data));
        if (h.fortranOrder() && shape.length > 1) {
            // Fortran order (np.savez of a transposed view): the bytes are the C-order array of the
            // reversed shape; reversing the axes back gives the logical array, as a float32 copy.
            budget.charge(Math.multiplyExact(t.numel(), 4L), what + " (Fortran-order copy)");
            long[] reversed = new long[shape.length];
            int[] perm = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                reversed[i] = shape[shape.length - 1 - i];
                perm[i] = shape.length - 1 - i;
            }
            t = TensorOps.permute(new RawTensor(dtype, reversed, ByteBuffer.wrap(data)), perm);
        }
        return t;
    }
}
