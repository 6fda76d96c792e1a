package dev.vptlab.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** Container formats, detected from the bytes rather than the file name. */
public enum CheckpointFormat {
    SAFETENSORS, TORCH_ZIP, NPZ;

    /** Detects the format; anything else fails with a message naming the file. */
    public static CheckpointFormat detect(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointFormatException(file, "no such file");
        }
        try {
            byte[] head;
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(4);
            }
            if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
                try (ZipFile zip = new ZipFile(file.toFile())) {
                    boolean pickle = zip.stream().anyMatch(e -> e.getName().endsWith("data.pkl"));
                    boolean npy = zip.stream().anyMatch(e -> e.getName().endsWith(".npy"));
                    if (pickle) {
                        return TORCH_ZIP;
                    }
                    if (npy) {
                        return NPZ;
                    }
                    throw new CheckpointFormatException(file, "zip archive is neither a PyTorch checkpoint (no data.pkl) "
                            + "nor an .npz (no .npy entries)");
                } catch (java.util.zip.ZipException e) {
                    throw new CheckpointFormatException(file, "truncated or corrupt zip archive: " + e.getMessage(), e);
                }
            }
            if (head.length >= 1 && (head[0] & 0xff) == 0x80) {
                // A bare pickle: torch's legacy serialization; the reader explains how to re-save it.
                return TORCH_ZIP;
            }
            if (Safetensors.looksLike(file)) {
                return SAFETENSORS;
            }
        } catch (IOException e) {
            throw new CheckpointFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        throw new CheckpointFormatException(file, "unrecognised checkpoint format (wrong magic): expected safetensors, "
                + "a PyTorch zip checkpoint (.pth, .pth.tar) or a NumPy .npz");
    }
}
