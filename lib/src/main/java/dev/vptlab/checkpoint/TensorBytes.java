package dev.vptlab.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The number of bytes a claimed shape and element type need. Shapes come from file headers, so the product
 * is computed with exact arithmetic: a shape near 2^62 of 4-byte elements would otherwise wrap around to a
 * small byte count and pass a comparison with the bytes actually present.
 */
final class TensorBytes {
    private TensorBytes() {}

    /**
     * @param what names the array in the message, e.g. "tensor 'blocks.0.norm1.weight'"
     * @throws CheckpointFormatException for a negative dimension or a count beyond 2^63 bytes
     */
    static long of(Path file, String what, long[] shape, DType dtype) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new CheckpointFormatException(file, what + " has a negative dimension in its shape "
                        + Arrays.toString(shape));
            }
        }
        if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
            return 0; // empty whatever the other dimensions claim, as RawTensor.numel counts it
        }
        try {
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return Math.multiplyExact(n, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(file, what + " " + dtype + Arrays.toString(shape)
                    + " claims more than 2^63 bytes");
        }
    }
}
