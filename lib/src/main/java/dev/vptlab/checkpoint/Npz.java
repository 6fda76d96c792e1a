package dev.vptlab.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npz() {}

    /** Reads every array; names are the entry names without the {@code .npy} suffix. */
    public static Map<String, RawTensor> read(Path file) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<? extends ZipEntry> entries = new ArrayList<>(java.util.Collections.list(zip.entries()));
            for (ZipEntry e : entries) {
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(name, readNpy(file, name, in, e.getSize()));
                }
            }
        } catch (ZipException e) {
            throw new CheckpointFormatException(file, "not a readable .npz (zip) archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read .npz: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CheckpointFormatException(file, ".npz archive holds no arrays");
        }
        return out;
    }

    static RawTensor readNpy(Path file, String name, InputStream in, long entrySize) throws IOException {
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
        if (headerLen < 0 || headerLen > 1 << 20) {
            throw new CheckpointFormatException(file, "array '" + name + "': implausible .npy header length " + headerLen);
        }
        byte[] hb = in.readNBytes(headerLen);
        if (hb.length < headerLen) {
            throw new CheckpointFormatException(file, "array '" + name + "': truncated .npy header");
        }
        String header = new String(hb, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new CheckpointFormatException(file, "array '" + name + "': cannot parse .npy header " + header.trim());
        }
        if (d.group(1).equals(">")) {
            throw new CheckpointFormatException(file, "array '" + name + "': big-endian arrays are not supported");
        }
        DType dtype = dtypeOf(file, name, d.group(2), Integer.parseInt(d.group(3)));
        String dims = s.group(1).trim();
        long[] shape = dims.isEmpty() ? new long[0]
                : java.util.Arrays.stream(dims.split(",")).map(String::trim).filter(x -> !x.isEmpty())
                        .mapToLong(Long::parseLong).toArray();
        long need = RawTensor.numel(shape) * dtype.byteSize();
        long available = entrySize < 0 ? Long.MAX_VALUE : entrySize - 8 - (major == 1 ? 2 : 4) - headerLen;
        if (need > available || need > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(file, "array '" + name + "' " + dtype + java.util.Arrays.toString(shape)
                    + " needs " + need + " bytes but its entry holds " + available);
        }
        byte[] data = in.readNBytes((int) need);
        if (data.length < need) {
            throw new CheckpointFormatException(file, "array '" + name + "' is truncated: " + data.length + " of "
                    + need + " bytes");
        }
        RawTensor t = new RawTensor(dtype, shape, ByteBuffer.wrap(data));
        if (f.group(1).equals("True") && shape.length > 1) {
            // Fortran order (np.savez of a transposed view): the bytes are the C-order array of the
            // reversed shape; reversing the axes back gives the logical array.
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

    private static DType dtypeOf(Path file, String name, String kind, int size) {
        DType t = switch (kind + size) {
            case "f4" -> DType.F32;
            case "f8" -> DType.F64;
            case "f2" -> DType.F16;
            case "i8" -> DType.I64;
            case "i4" -> DType.I32;
            case "i2" -> DType.I16;
            case "i1" -> DType.I8;
            case "u1" -> DType.U8;
            case "b1" -> DType.BOOL;
            default -> null;
        };
        if (t == null) {
            throw new CheckpointFormatException(file, "array '" + name + "': unsupported dtype " + kind + size);
        }
        return t;
    }
}
