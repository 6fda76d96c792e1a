package dev.vptlab.plan;

import dev.vptlab.VptlabException;
import dev.vptlab.model.VitConfig;
import dev.vptlab.reference.ReferenceTable;
import dev.vptlab.report.Efficiency;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegEvaluator;
import dev.vptlab.seg.SegMacs;
import dev.vptlab.train.RunConfig;
import java.util.Map;

/**
 * An estimate, not a measurement: the GPU-hours of one run from the analytic forward FLOPs of ViT-B/16
 * ({@link Efficiency#forwardGflops}) and an assumed sustained throughput. A training image costs three
 * forwards (forward, and a backward of about twice the forward, the usual rule; the frozen trunk still needs
 * its activation gradients wherever prompts sit below it), an evaluated image one. Data loading, the prefix
 * cache's savings and start-up are left out, so real times can be lower (cache) or higher (I/O). A segmentation run
 * ({@link #of(SegConfig)}) is costed from {@link SegMacs} at its own trunk and crop, at the same throughput.
 *
 * @param assumedTflops sustained TFLOP/s assumed for one GPU
 */
public record GpuHours(double assumedTflops) {
    /** A deliberately modest fraction of an H100's dense FP32/TF32 peak, so the estimate errs long. */
    public static final double DEFAULT_TFLOPS = 50;

    public GpuHours {
        if (!(assumedTflops > 0) || !Double.isFinite(assumedTflops)) {
            throw new VptlabException("assumed throughput must be positive, got " + assumedTflops + " TFLOP/s");
        }
    }

    /** Estimated GPU-hours of {@code cfg} at full data (its train/test limits respected). */
    public double of(RunConfig cfg) {
        Sizes s = sizes(cfg.task());
        long train = limit(s.train, cfg.trainLimit());
        long val = limit(s.val, cfg.testLimit());
        long test = limit(s.test, cfg.testLimit());
        long valPasses = cfg.valEvery() == 0 ? 0 : cfg.epochs() / cfg.valEvery();
        // The last epoch is always tested when testEvery > 0 (RunConfig), hence the ceiling.
        long testPasses = cfg.testEvery() == 0 ? 0 : (cfg.epochs() + cfg.testEvery() - 1) / cfg.testEvery();
        double forwards = 3.0 * train * cfg.epochs() + (double) val * valPasses + (double) test * testPasses;
        double flops = forwards * Efficiency.forwardGflops(VitConfig.VIT_B16, cfg.method()) * 1e9;
        return flops / (assumedTflops * 1e12) / 3600;
    }

    /** ADE20K's validation split (ADEChallengeData2016: 2,000 images), the one the papers evaluate on. */
    static final long ADE20K_VAL = 2000;

    /**
     * Our assumption for the size of an ADE20K validation image after mmseg's test resize (scale 2048×512, ratio kept):
     * a 4:3 landscape image, 512×683. Slide inference then runs 2 windows of 512 at stride 341.
     */
    static final int ADE20K_VIEW_H = 512;
    static final int ADE20K_VIEW_W = 683;

    /**
     * Estimated GPU-hours of a segmentation run: {@link #segmentationFlops} at the same assumed throughput as a
     * classification run.
     */
    public double of(SegConfig cfg) {
        return segmentationFlops(cfg) / (assumedTflops * 1e12) / 3600;
    }

    /**
     * Training FLOPs of a segmentation run: {@link SegMacs#train} per image (2 backbone forwards for the frozen trunk's
     * activation gradients, 3 head forwards) × batch × iterations, 2 FLOPs per multiply-accumulate.
     */
    public static double segmentationTrainFlops(SegConfig cfg) {
        return 2.0 * SegMacs.train(trunk(cfg), cfg) * cfg.batchSize() * cfg.iterations();
    }

    /**
     * Training ({@link #segmentationTrainFlops}) plus evaluation FLOPs of a segmentation run: each evaluation period
     * scores the evaluation split with slide inference (ADE20K: 2,000 validation images of 2 windows each, the
     * {@link #ADE20K_VIEW_H}×{@link #ADE20K_VIEW_W} assumption; fm-seg: one window per image), and a multi-scale run
     * scores it once more at mmseg's 6 ratios, each with and without flip. Every window costs one full forward at the
     * crop ({@link SegMacs#forward}, all heads: errs long, as inference runs the decode head only).
     */
    public static double segmentationFlops(SegConfig cfg) {
        VitConfig vc = trunk(cfg);
        boolean ade = cfg.task().equals("ade20k");
        long images = limit(ade ? ADE20K_VAL : dev.vptlab.mini.MiniBenchmark.TEST, cfg.testLimit());
        int h = ade ? ADE20K_VIEW_H : cfg.crop();
        int w = ade ? ADE20K_VIEW_W : cfg.crop();
        double windows = (double) cfg.periods() * windows(h, w, 1.0, cfg);
        if (cfg.multiScale()) {
            for (double r : SegEvaluator.MS_RATIOS) {
                windows += 2 * windows(h, w, r, cfg);
            }
        }
        return segmentationTrainFlops(cfg) + 2.0 * SegMacs.forward(vc, cfg) * images * windows;
    }

    /** Slide windows of an h×w view rescaled by {@code ratio} (mmseg's grid: {@link dev.vptlab.seg.SlideInference}). */
    static long windows(int h, int w, double ratio, SegConfig cfg) {
        return grids((int) Math.round(h * ratio), cfg) * grids((int) Math.round(w * ratio), cfg);
    }

    private static long grids(int n, SegConfig cfg) {
        return Math.max(n - cfg.crop() + cfg.stride() - 1, 0) / cfg.stride() + 1;
    }

    /**
     * The trunk of a segmentation run, at its crop, without reading its file (a plan is made before the checkpoints
     * are fetched): fm-seg runs on the embedded 12-block trunk (patch 4); ADE20K on ViT-L/16 when the decode head reads
     * block 23 (CVPT's {@code out_indices} 9, 14, 19, 23), else on ViT-B/16 (Gated PT's trunks).
     */
    static VitConfig trunk(SegConfig cfg) {
        if (cfg.task().equals("fm-seg")) {
            return VitConfig.VIT_TINY12_FMNIST.withImageSize(cfg.crop());
        }
        int[] taps = cfg.taps();
        return (taps[taps.length - 1] >= VitConfig.VIT_L16.depth() - 1 ? VitConfig.VIT_L16 : VitConfig.VIT_B16).withImageSize(cfg.crop());
    }

    private static long limit(long n, int limit) {
        return limit > 0 ? Math.min(n, limit) : n;
    }

    private record Sizes(long train, long val, long test) {}

    /**
     * Split sizes: VTAB-1K trains on train800val200 (1,000 images) and validates on its val200 (the official
     * GatedPT code, VPT's protocol); FGVC uses its train/val/test files. Tasks outside the papers' benchmarks
     * (synthetic, the mini tasks) count as 1,000/200/1,000.
     */
    private static Sizes sizes(String task) {
        for (Map<String, String> r : ReferenceTable.load("vtab_tasks").rows()) {
            if (r.get("task_key").equals(task)) {
                return new Sizes(1000, 200, Long.parseLong(r.get("test_size")));
            }
        }
        for (Map<String, String> r : ReferenceTable.load("fgvc_datasets").rows()) {
            if (r.get("run_key").equals(task)) {
                return new Sizes(Long.parseLong(r.get("train")), Long.parseLong(r.get("val")), Long.parseLong(r.get("test")));
            }
        }
        return new Sizes(1000, 200, 1000);
    }
}
