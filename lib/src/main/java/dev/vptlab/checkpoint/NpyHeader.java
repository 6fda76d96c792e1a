package dev.vptlab.checkpoint;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of one {@code .npy} array. NumPy's format (numpy.lib.format, "NPY format") writes it as the
 * {@code repr} of a Python dict, {@code {'descr': '<f4', 'fortran_order': False, 'shape': (576, 768), }},
 * where {@code shape} is a tuple of Python ints. Only that literal form is accepted: a dimension must be a
 * plain decimal integer below 10^18 (Python 2's {@code 576L}, signs, expressions and longer numbers are
 * refused by name), so nothing here can throw a parse error of its own.
 */
record NpyHeader(DType dtype, boolean fortranOrder, long[] shape) {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** At most 18 digits: every such number fits a signed 64-bit long. */
    private static final Pattern DIM = Pattern.compile("\\d{1,18}");

    /**
     * @param name the array's name, for messages
     * @throws CheckpointFormatException naming the file, the array and what is wrong
     */
    static NpyHeader parse(Path file, String name, String header) {
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new CheckpointFormatException(file, "array '" + name + "': cannot parse .npy header "
                    + abbreviate(header.trim()));
        }
        if (d.group(1).equals(">")) {
            throw new CheckpointFormatException(file, "array '" + name + "': big-endian arrays are not supported");
        }
        return new NpyHeader(dtype(file, name, d.group(2), d.group(3)), f.group(1).equals("True"),
                shape(file, name, s.group(1)));
    }

    /** NumPy's type codes ('f4', 'i8', 'b1', ...); the size is compared as text, never parsed. */
    private static DType dtype(Path file, String name, String kind, String size) {
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
            throw new CheckpointFormatException(file, "array '" + name + "': unsupported dtype "
                    + abbreviate(kind + size));
        }
        return t;
    }

    /** The tuple's items: "" is a scalar, "576," a 1-tuple (Python's trailing comma). */
    private static long[] shape(Path file, String name, String tuple) {
        String body = tuple.trim();
        if (body.endsWith(",")) {
            body = body.substring(0, body.length() - 1);
        }
        if (body.isBlank()) {
            return new long[0];
        }
        String[] items = body.split(",", -1);
        long[] shape = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            String item = items[i].trim();
            if (!DIM.matcher(item).matches()) {
                throw new CheckpointFormatException(file, "array '" + name + "': shape entry '" + abbreviate(item)
                        + "' in (" + abbreviate(tuple) + ") is not a non-negative integer below 10^18");
            }
            shape[i] = Long.parseLong(item);
        }
        return shape;
    }

    /** Headers come from the file: quote at most a line of them. */
    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
