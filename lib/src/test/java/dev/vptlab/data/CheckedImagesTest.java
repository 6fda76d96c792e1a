package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image checks are remembered across processes for files that decoded cleanly, and only while they are unchanged. */
class CheckedImagesTest {
    @TempDir
    Path tmp;
    private String before;

    @BeforeEach
    void ownCache() {
        before = System.getProperty("vptlab.imageCheckCache");
        System.setProperty("vptlab.imageCheckCache", tmp.resolve("cache").toString());
        CheckedImages.forgetInMemory();
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("vptlab.imageCheckCache");
        } else {
            System.setProperty("vptlab.imageCheckCache", before);
        }
        CheckedImages.forgetInMemory();
    }

    private Path png(String name) throws IOException {
        Path f = tmp.resolve("images").resolve(name);
        Files.createDirectories(f.getParent());
        ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB), "png", f.toFile());
        return f;
    }

    @Test
    void aCleanImageIsDecodedOnceAcrossProcessesUntilItChanges() throws IOException {
        Path f = png("a.png");
        long d0 = CheckedImages.decodes();
        CheckedImages.check(f, 1000);
        CheckedImages.check(f, 1000);
        assertEquals(d0 + 1, CheckedImages.decodes(), "in this process: once");

        CheckedImages.forgetInMemory(); // as the next process
        CheckedImages.check(f, 1000);
        assertEquals(d0 + 1, CheckedImages.decodes(), "the next process reads the verdict from disk");

        CheckedImages.check(f, 2000);
        assertEquals(d0 + 2, CheckedImages.decodes(), "another pixel limit is another verdict");

        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() - 60_000));
        CheckedImages.forgetInMemory();
        CheckedImages.check(f, 1000);
        assertEquals(d0 + 3, CheckedImages.decodes(), "a changed file is decoded again");
    }

    @Test
    void failuresAreNeverRememberedOnDiskAndTornLinesMatchNothing() throws IOException {
        Path bad = tmp.resolve("images/bad.png");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "not an image");
        long d0 = CheckedImages.decodes();
        assertThrows(DatasetException.class, () -> CheckedImages.check(bad, 1000));
        CheckedImages.forgetInMemory();
        DatasetException e = assertThrows(DatasetException.class, () -> CheckedImages.check(bad, 1000));
        assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
        assertEquals(d0 + 2, CheckedImages.decodes(), "decoded again in the next process");

        Path f = png("b.png");
        CheckedImages.check(f, 1000);
        Path cacheFile;
        try (var files = Files.list(tmp.resolve("cache"))) {
            cacheFile = files.findFirst().orElseThrow();
        }
        String line = Files.readString(cacheFile).strip();
        assertTrue(line.startsWith("b.png\t") && line.endsWith("\tok"), line);
        Files.writeString(cacheFile, line.substring(0, line.length() - 2)); // a writer killed mid-line
        CheckedImages.forgetInMemory();
        long d1 = CheckedImages.decodes();
        CheckedImages.check(f, 1000);
        assertEquals(d1 + 1, CheckedImages.decodes(), "a torn line is no verdict");
    }
}
