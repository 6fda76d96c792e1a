package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.data.DatasetException;
import dev.vptlab.reproduce.EmbeddedBackbones;
import dev.vptlab.train.Progress;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ADE20K run fails on bad data before any step, with a typed error naming the file: {@link SegTrainer#train}
 * opens the splits and the trainer checks every pair ({@code Ade20k.check}) before its first iteration. Images of
 * 40×30, far below the 512 crop, are fine (mmseg pads them; data/SegPipelineTest covers the padding).
 */
class Ade20kBadInputTest {
    @TempDir
    Path tmp;
    private String cacheBefore;

    @BeforeEach
    void ownImageCheckCache() throws IOException {
        cacheBefore = System.getProperty("vptlab.imageCheckCache");
        System.setProperty("vptlab.imageCheckCache", Files.createDirectories(tmp.resolve("check-cache")).toString());
    }

    @AfterEach
    void restore() {
        if (cacheBefore == null) {
            System.clearProperty("vptlab.imageCheckCache");
        } else {
            System.setProperty("vptlab.imageCheckCache", cacheBefore);
        }
    }

    /** ADEChallengeData2016 with 2 training and 2 validation pairs of 40×30 (W×H), labels 0..150. */
    private Path ade() throws IOException {
        Path root = tmp.resolve("ADEChallengeData2016");
        Random r = new Random(7);
        for (String split : new String[] {"training", "validation"}) {
            Path img = Files.createDirectories(root.resolve("images").resolve(split));
            Path ann = Files.createDirectories(root.resolve("annotations").resolve(split));
            for (int i = 1; i <= 2; i++) {
                String stem = String.format("ADE_%s_%08d", split.equals("training") ? "train" : "val", i);
                BufferedImage rgb = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                BufferedImage m = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 30; y++) {
                    for (int x = 0; x < 40; x++) {
                        rgb.setRGB(x, y, r.nextInt(1 << 24));
                        m.getRaster().setSample(x, y, 0, r.nextInt(151));
                    }
                }
                ImageIO.write(rgb, "jpg", img.resolve(stem + ".jpg").toFile());
                ImageIO.write(m, "png", ann.resolve(stem + ".png").toFile());
            }
        }
        return root;
    }

    private SegConfig config(Path root) {
        Path mae = EmbeddedBackbones.extract("mae", tmp, false, m -> { });
        return SegRecipes.ade20k("gated", mae.toString(), root.toString()).with(b -> {
            b.batchSize = 2;
            b.iterations = 2;
            b.evalEvery = 2;
        });
    }

    private DatasetException fails(Path root) {
        Path run = tmp.resolve("run");
        DatasetException e = assertThrows(DatasetException.class,
                () -> SegTrainer.train(config(root), root, run, new Progress(Progress.Mode.QUIET, System.err), false));
        assertFalse(Files.exists(run.resolve("record.json")), "failed before the run started");
        return e;
    }

    @Test
    void aCleanFolderPassesTheChecks() throws IOException {
        Path root = ade();
        SegTasks.Splits s = SegTasks.open(config(root), root);
        s.train().check();
        s.test().check();
        assertEquals(2, s.train().size());
        assertEquals(150, s.train().classes());
        // the trainer's own checks pass too (it is not run: a 512 crop on the 12-block trunk is too slow here)
        new SegTrainer(config(root), s.train(), s.test(), s.classNames(), tmp.resolve("run"), new Progress(Progress.Mode.QUIET, System.err));
    }

    @Test
    void anAnnotationOfAnotherSizeIsNamed() throws IOException {
        Path root = ade();
        Path a = root.resolve("annotations/training/ADE_train_00000002.png");
        ImageIO.write(new BufferedImage(40, 31, BufferedImage.TYPE_BYTE_GRAY), "png", a.toFile());
        DatasetException e = fails(root);
        assertTrue(e.getMessage().startsWith(a.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("40x31") && e.getMessage().contains("40x30"), e.getMessage());
    }

    @Test
    void aValueAbove150IsNamedWithItsPixel() throws IOException {
        Path root = ade();
        Path a = root.resolve("annotations/validation/ADE_val_00000001.png");
        BufferedImage m = ImageIO.read(a.toFile());
        m.getRaster().setSample(12, 5, 0, 151);
        ImageIO.write(m, "png", a.toFile());
        DatasetException e = fails(root);
        assertEquals(a + ": mask value 151 at pixel (12, 5) is outside 0..150", e.getMessage());
    }

    @Test
    void aMissingAnnotationNamesItsImage() throws IOException {
        Path root = ade();
        Path a = root.resolve("annotations/training/ADE_train_00000001.png");
        Files.delete(a);
        DatasetException e = fails(root);
        assertTrue(e.getMessage().contains(root.resolve("images/training/ADE_train_00000001.jpg").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(a.toString()), e.getMessage());
    }

    @Test
    void anEmptyValidationFolderIsNamed() throws IOException {
        Path root = ade();
        for (String f : new String[] {"ADE_val_00000001", "ADE_val_00000002"}) {
            Files.delete(root.resolve("images/validation/" + f + ".jpg"));
            Files.delete(root.resolve("annotations/validation/" + f + ".png"));
        }
        DatasetException e = fails(root);
        assertTrue(e.getMessage().contains(root.resolve("images/validation").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("empty split"), e.getMessage());
    }
}
