package dev.vptlab.plan;

import dev.vptlab.VptlabException;
import dev.vptlab.model.VitConfig;
import dev.vptlab.reference.ReferenceTable;
import dev.vptlab.report.Efficiency;
import dev.vptlab.train.RunConfig;
import java.util.Map;

/**
 * An estimate, not a measurement: the GPU-hours of one run from the analytic forward FLOPs of ViT-B/16
 * ({@link Efficiency#forwardGflops}) and an assumed sustained throughput. A training image costs three
 * forwards (forward, and a backward of about twice the forward, the usual rule; the frozen trunk still needs
 * its activation gradients wherever prompts sit below it), an evaluated image one. Data loading, the prefix
 * cache's savings and start-up are left out, so real times can be lower (cache) or higher (I/O).
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
