package dev.vptlab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the paths a split file lists against the folder they must stay in. The check is made twice: on
 * the text ({@code ../}, absolute paths) and, for files that exist, on the real path, so that a symbolic
 * link inside the folder cannot lead a task to read files outside it.
 */
final class FolderPaths {
    private final Path base;
    private final Path realBase;

    FolderPaths(Path base) {
        this.base = base.normalize();
        Path real;
        try {
            real = Files.exists(base) ? base.toRealPath() : this.base;
        } catch (IOException e) {
            real = this.base;
        }
        this.realBase = real;
    }

    /** {@code relative} inside the folder; otherwise a {@link DatasetException} naming the split file and line. */
    Path resolve(String relative, Path list, int line) {
        Path file = base.resolve(relative).normalize();
        if (!file.startsWith(base)) {
            throw new DatasetException(list, line, "path escapes the folder " + base + ": " + relative);
        }
        if (Files.exists(file)) {
            Path real;
            try {
                real = file.toRealPath();
            } catch (IOException e) {
                throw new DatasetException(list, line, "cannot resolve " + file + ": " + e.getMessage());
            }
            if (!real.startsWith(realBase)) {
                throw new DatasetException(list, line, relative + " leads outside the folder " + realBase
                        + " through a symbolic link (to " + real + "); point the data root at the real folder instead");
            }
        }
        return file;
    }
}
