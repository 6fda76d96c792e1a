package dev.vptlab.seg;

import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.train.RunRecord;
import dev.vptlab.util.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Evaluating a finished segmentation run again: single- or multi-scale, optionally writing its predictions. */
public final class SegRuns {
    private SegRuns() {}

    /** True when {@code runDir}'s record is a segmentation run's. */
    public static boolean isSegmentationRun(Path runDir) {
        return SegConfig.isSegmentation(RunRecord.read(runDir).config());
    }

    /**
     * Scores the run's trained model on its evaluation split.
     *
     * @param testLimit the first n images only (0 = the run's own limit)
     * @param predictions null, or a folder for one 8-bit PNG per image named after the image's index: the predicted
     *     class for fm-seg, and for ADE20K the class + 1 (0..150, the annotation's own coding, as mmseg's
     *     {@code ADE20KDataset.results2img} writes it)
     */
    public static MeanIou evaluate(Path runDir, Path dataRoot, boolean multiScale, int testLimit, Path predictions) {
        SegConfig cfg = SegConfig.fromMap(RunRecord.read(runDir).config());
        if (testLimit > 0) {
            cfg = cfg.with(b -> b.testLimit = testLimit);
        }
        Path trained = runDir.resolve(SegTrainer.TRAINABLE_FILE);
        if (!Files.exists(trained)) {
            throw new VptlabException(runDir + ": no trained parameters (" + SegTrainer.TRAINABLE_FILE + "); is the run finished?");
        }
        SegTasks.Splits s = SegTasks.open(cfg, cfg.data() != null ? Path.of(cfg.data()) : dataRoot);
        int offset = cfg.task().equals("ade20k") ? 1 : 0;
        try (NDManager m = NDManager.newBaseManager()) {
            SegModel model = SegModel.build(cfg, s.test().channels(), m);
            model.load(trained);
            SegEvaluator.Predictions sink = predictions == null ? null
                    : (i, h, w, pred) -> writePng(predictions.resolve(String.format("%05d.png", i)), h, w, pred, offset);
            return SegEvaluator.evaluate(model, s.test(), cfg.crop(), cfg.stride(), multiScale, cfg.batchSize(), m, sink);
        }
    }

    /** An 8-bit grey PNG of {@code labels + offset}, written atomically. */
    public static void writePng(Path file, int h, int w, int[] labels, int offset) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        int[] v = new int[labels.length];
        for (int k = 0; k < v.length; k++) {
            v[k] = labels[k] + offset;
        }
        img.getRaster().setPixels(0, 0, w, h, v);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new VptlabException(file + ": cannot encode the prediction: " + e.getMessage(), e);
        }
        AtomicFiles.write(file, ch -> ch.write(ByteBuffer.wrap(bytes.toByteArray())));
    }
}
