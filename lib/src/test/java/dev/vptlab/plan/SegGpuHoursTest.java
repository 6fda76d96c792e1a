package dev.vptlab.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegRecipes;
import org.junit.jupiter.api.Test;

/** The GPU-hour estimate of a segmentation run, from the analytic FLOPs of its trunk and SETR-PUP heads. */
class SegGpuHoursTest {
    private static SegConfig ade(String recipe) {
        return SegRecipes.ade20k(recipe, "/nonexistent/vit-b.pth", "data/ade20k");
    }

    @Test
    void gatedOnViTBTrainsForAbout2point85ExaFlop() {
        // 160k iterations x 16 images x (2 trunk + 3 head forwards) at 512x512: about 17.8 TFLOP per iteration.
        double train = GpuHours.segmentationTrainFlops(ade("gated"));
        assertTrue(train > 2.7e18 && train < 3.0e18, "training FLOPs " + train);
        // Evaluation is small beside it: 10 periods of 2,000 images x 2 windows, plus no multi-scale here.
        double all = GpuHours.segmentationFlops(ade("gated"));
        assertTrue(all > train && all < 1.05 * train, all + " vs " + train);
        GpuHours h = new GpuHours(50);
        assertEquals(all / 50e12 / 3600, h.of(ade("gated")), 1e-9);
        assertTrue(h.of(ade("gated")) > 15 && h.of(ade("gated")) < 17, "GPU-hours " + h.of(ade("gated")));
        assertEquals(2 * h.of(ade("gated")), new GpuHours(25).of(ade("gated")), 1e-9);
    }

    @Test
    void multiScaleAndViTLCostMoreAndFewerIterationsLess() {
        SegConfig ss = ade("vpt-deep");
        SegConfig ms = ss.with(b -> b.multiScale = true);
        // mmseg's 6 ratios x flip over 2,000 images: 2 x (1 + 1 + 2 + 6 + 6 + 12) = 56 windows per image.
        double extra = GpuHours.segmentationFlops(ms) - GpuHours.segmentationFlops(ss);
        double perWindow = (GpuHours.segmentationFlops(ss) - GpuHours.segmentationTrainFlops(ss)) / (10 * 2000 * 2);
        assertEquals(56 * 2000 * perWindow, extra, 1e-6 * extra);
        SegConfig large = ss.with(b -> b.taps = SegRecipes.taps(24));
        assertTrue(GpuHours.segmentationTrainFlops(large) > 1.5 * GpuHours.segmentationTrainFlops(ss));
        SegConfig short1 = ss.with(b -> b.iterations = 16_000);
        assertEquals(GpuHours.segmentationTrainFlops(ss) / 10, GpuHours.segmentationTrainFlops(short1),
                1e-12 * GpuHours.segmentationTrainFlops(short1));
    }

    @Test
    void slideWindowsFollowMmsegsGrid() {
        SegConfig c = ade("gated");
        assertEquals(1, GpuHours.windows(512, 512, 1.0, c));
        assertEquals(2, GpuHours.windows(GpuHours.ADE20K_VIEW_H, GpuHours.ADE20K_VIEW_W, 1.0, c));
        assertEquals(12, GpuHours.windows(GpuHours.ADE20K_VIEW_H, GpuHours.ADE20K_VIEW_W, 1.75, c)); // 896x1195: 3 x 4
        assertEquals(1, GpuHours.windows(GpuHours.ADE20K_VIEW_H, GpuHours.ADE20K_VIEW_W, 0.5, c)); // smaller than a crop
    }
}
