package dev.vptlab.report;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.seg.PixelLoss;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegMacs;
import dev.vptlab.seg.SegModel;
import dev.vptlab.train.Sgd;
import dev.vptlab.train.TrainStep;
import dev.vptlab.util.ExitGuard;
import java.util.Locale;

/**
 * Speed of a segmentation model on random weights and images (a benchmark, not a test): training iterations (forward
 * of all heads, losses, backward, SGD) and slide-window inference forwards (decode head only) at the crop size,
 * median over timed steps, with the process's peak resident memory and the analytic cost ({@link SegMacs}).
 */
public final class SegmentationBench {
    private SegmentationBench() {}

    /**
     * @param trainGflopPerImage analytic training cost per image (2 FLOPs per MAC)
     * @param forwardGflopPerImage analytic inference forward per image, all heads
     */
    public record Result(String device, String arch, String method, int crop, int batch, double trainImagesPerSecond,
            double evalImagesPerSecond, double peakRssMiB, double forwardGflopPerImage, double headsGflopPerImage,
            double trainTflopPerIteration16, long trainableParameters) {
        /** One line for logs and notes. */
        public String describe() {
            return String.format(Locale.ROOT, "%s %s + %s at %dx%d, batch %d on %s: train %.3f img/s, eval %.3f img/s, peak RSS "
                    + "%.0f MiB; analytic forward %.1f GFLOP/image (heads %.1f), train %.2f TFLOP per iteration of 16; %,d trainable",
                    arch, method, "SETR-PUP", crop, crop, batch, device, trainImagesPerSecond, evalImagesPerSecond, peakRssMiB,
                    forwardGflopPerImage, headsGflopPerImage, trainTflopPerIteration16, trainableParameters);
        }
    }

    /** Measures {@code cfg}'s model on a random {@code arch} trunk brought to the config's crop size. */
    public static Result run(VitConfig arch, SegConfig cfg, int batch, int warmup, int steps) {
        VitConfig vc = arch.withImageSize(cfg.crop());
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            VisionTransformer vit = VisionTransformer.create(vc, m);
            SegModel model = SegModel.of(vit, cfg, m);
            Sgd sgd = new Sgd(cfg.momentum(), cfg.weightDecay());
            NDArray images = m.randomNormal(new Shape(batch, vc.inChannels(), cfg.crop(), cfg.crop()));
            NDArray labels = m.randomInteger(0, cfg.classes(), new Shape(batch, cfg.crop(), cfg.crop()), DataType.INT64);
            double[] train = new double[steps];
            double[] eval = new double[steps];
            for (int i = -warmup; i < steps; i++) {
                long t0 = System.nanoTime();
                TrainStep.run(null, () -> {
                    NDList out = model.forwardTrain(images);
                    NDArray loss = PixelLoss.crossEntropy(out.get(0), labels);
                    for (int j = 1; j < out.size(); j++) {
                        loss = loss.add(PixelLoss.crossEntropy(out.get(j), labels).mul(PixelLoss.weight(m, cfg.auxWeight())));
                    }
                    return loss;
                }, TrainStep.nonFinite(() -> "bench"), () -> sgd.step(model.trainableParameters(), 1e-3));
                long t1 = System.nanoTime();
                try (ExitGuard.Hold exit = ExitGuard.hold(); NDScope scope = new NDScope()) {
                    model.decode(images).toFloatArray();
                }
                long t2 = System.nanoTime();
                if (i >= 0) {
                    train[i] = (t1 - t0) / 1e9;
                    eval[i] = (t2 - t1) / 1e9;
                }
            }
            double fwd = 2e-9 * SegMacs.forward(vc, cfg);
            double heads = 2e-9 * SegMacs.heads(vc, cfg);
            double trainIter = 2e-12 * 16 * SegMacs.train(vc, cfg);
            String device = m.getDevice().isGpu() ? "gpu" + m.getDevice().getDeviceId() : m.getDevice().getDeviceType();
            return new Result(device, arch.name(), cfg.method() == null ? "head-only" : cfg.method().id(), cfg.crop(), batch,
                    batch / Bench.median(train), batch / Bench.median(eval), Bench.peakRssMiB(), fwd, heads, trainIter,
                    model.trainableCount());
        }
    }
}
