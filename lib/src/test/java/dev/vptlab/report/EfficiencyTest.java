package dev.vptlab.report;

import dev.vptlab.prompt.VptShallow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.model.Macs;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

class EfficiencyTest {
    /** 8×8 single-channel images, patch 4 (4 patches, N = 5 tokens), width 4, 2 heads, MLP 8, 2 blocks. */
    static final VitConfig TINY = VitConfig.builder().name("hand").imageSize(8).patchSize(4).inChannels(1).embedDim(4)
            .numHeads(2).mlpHidden(8).depth(2).build();

    @Test
    void flopsFormulaMatchesAHandComputation() {
        // patch embedding: 4 patches · 4 outputs · (1 channel · 4 · 4) inputs = 256 MACs
        assertEquals(256, Macs.patchEmbed(TINY));
        // block over T = 5: qkv 3·5·16 = 240, QKᵀ 25·4 = 100, AV 100, proj 5·16 = 80, MLP 2·5·4·8 = 320 → 840
        assertEquals(840, Macs.block(TINY, 5));
        // backbone: 256 + 2 · 840
        assertEquals(1936, Macs.backbone(TINY));
        // VPT-deep, P = 3 (T = 8): qkv 384, QKᵀ 256, AV 256, proj 128, MLP 512 → 1536 per block
        assertEquals(256 + 2 * 1536, MethodMacs.forwardMacs(TINY, MethodConfig.of("vpt-deep", 3)));
        assertEquals(256 + 2 * 1536, MethodMacs.forwardMacs(TINY, MethodConfig.of("gated", 3)));
        assertEquals(256 + 2 * 1536, MethodMacs.forwardMacs(TINY, MethodConfig.of("vpt-shallow", 3)));
        // VPT-shallow entering before block 2: block 1 sees 5 tokens, block 2 sees 8
        assertEquals(256 + 840 + 1536, MethodMacs.forwardMacs(TINY, VptShallow.Config.of(3).withInsertBlock(2)));
        // CVPT, P = 3: per block Q 5·16 = 80, K and V 2·3·16 = 96, QKᵀ 5·3·4 = 60, AV 60, proj 80 → 376
        assertEquals(376, Macs.crossAttention(TINY, 3));
        assertEquals(1936 + 2 * 376, MethodMacs.forwardMacs(TINY, MethodConfig.of("cvpt", 3)));
        // a multiply-add is 2 FLOPs
        assertEquals(2 * 2688 / 1e9, MethodMacs.forwardGflops(TINY, MethodConfig.of("cvpt", 3)), 1e-18);
    }

    @Test
    void vitB16MatchesTheSpecTableAndPublishedVptDeepCounts() {
        VitConfig b = VitConfig.VIT_B16;
        assertEquals(17.56, Macs.backbone(b) / 1e9, 0.005, "ViT-B/16 baseline");
        int[] m = {1, 5, 10, 20, 50, 100, 150, 200};
        double[] deep = {17.66, 18.02, 18.49, 19.41, 22.22, 26.97, 31.81, 36.74};
        double[] cvpt = {20.37, 20.44, 20.53, 20.71, 21.24, 22.13, 23.02, 23.91};
        for (int i = 0; i < m.length; i++) {
            assertEquals(deep[i], MethodMacs.forwardMacs(b, MethodConfig.of("vpt-deep", m[i])) / 1e9, 0.005, "VPT-deep M=" + m[i]);
            assertEquals(cvpt[i], MethodMacs.forwardMacs(b, MethodConfig.of("cvpt", m[i])) / 1e9, 0.005, "CVPT M=" + m[i]);
        }
        // arXiv 2305.17223's VPT-deep counts (G): 50 → 22.2, 100 → 26.9, 150 → 31.8, 200 → 36.7
        int[] pm = {50, 100, 150, 200};
        double[] published = {22.2, 26.9, 31.8, 36.7};
        for (int i = 0; i < pm.length; i++) {
            assertEquals(published[i], MethodMacs.forwardMacs(b, MethodConfig.of("vpt-deep", pm[i])) / 1e9, 0.1);
        }
        // from the same formulas: at M = 37, VPT-deep 21.00 G and CVPT 21.01 G, so CVPT is no costlier from 38 on
        assertEquals(38, MethodMacs.cvptNoCostlierFrom(b, 1000));
        assertEquals(-1, MethodMacs.cvptNoCostlierFrom(b, 37));
    }

    @Test
    void parametersAreCountedOnTheBuiltModel() {
        VitConfig c = VitConfig.VIT_TINY12_FMNIST; // D = 48, 12 blocks
        long head = 48 * 10 + 10;
        long trunk = c.trunkParameterCount();
        ParameterCount cvpt = ParameterCount.of(c, MethodConfig.of("cvpt", 5), 10);
        assertEquals(12 * 5 * 48, cvpt.prompts());
        assertEquals(12 * 5 * 48 + head, cvpt.trainable());
        assertEquals(trunk + cvpt.trainable(), cvpt.total());
        assertEquals(12 * 5 * 48 + head, ParameterCount.of(c, MethodConfig.of("vpt-deep", 5), 10).trainable());
        assertEquals(5 * 48 + head, ParameterCount.of(c, MethodConfig.of("vpt-shallow", 5), 10).trainable());
        // gated: prompts, 11 gates (after blocks 1..11), 12 temperatures
        ParameterCount gated = ParameterCount.of(c, MethodConfig.of("gated", 5), 10);
        assertEquals(5 * 48, gated.prompts());
        assertEquals(5 * 48 + 11 + 12 + head, gated.trainable());
        // learnable CA weights: 12 blocks · (4·D² + 4·D)
        assertEquals(12 * 5 * 48 + 12 * (4 * 48 * 48 + 4 * 48) + head, ParameterCount.of(c,
                CrossVisualPrompts.Config.of(5).withCross(3, CrossVisualPrompts.Weights.SHARED_LEARNABLE), 10).trainable());
    }

    @Test
    void tableMeasuresEveryRowAndChartsIt() {
        VitConfig c = VitConfig.VIT_TINY12_FMNIST;
        Efficiency.Settings s = Efficiency.Settings.defaults().withBatch(2).withClasses(10).withSteps(0, 1)
                .withMeasure(Efficiency.Measure.IN_PROCESS);
        Table t = Efficiency.table(c, List.of("vpt-deep", "cvpt"), List.of(1, 20), s, line -> {});
        assertEquals(4, t.rowCount());
        for (Row r : t) {
            assertTrue(r.getDouble("train_img_s") > 0 && Double.isFinite(r.getDouble("train_img_s")), r.toString());
            assertTrue(r.getDouble("eval_img_s") > 0 && Double.isFinite(r.getDouble("eval_img_s")), r.toString());
            assertTrue(Double.isNaN(r.getDouble("peak_rss_mib")), "in-process: no per-configuration RSS");
            MethodConfig m = MethodConfig.of(r.getString("method"), r.getInt("prompts"));
            assertEquals(2.0 * MethodMacs.forwardMacs(c, m) / 1e9, r.getDouble("gflops"), 1e-12);
            assertEquals(r.getLong("total_params"), c.trunkParameterCount() + r.getLong("trainable_params"));
        }
        Map<String, XYChart> charts = EfficiencyCharts.charts(t);
        assertEquals(List.of("trainable", "gflops", "train", "eval"), List.copyOf(charts.keySet()), "no memory chart without memory");
        assertEquals(3, charts.get("gflops").getSeriesMap().size(), "two methods and the backbone alone");
        assertNotNull(Charts.image(charts.get("train")));
        String sentence = EfficiencySummary.summary(t);
        assertTrue(sentence.contains("P = 20") && sentence.contains("below P = " + MethodMacs.cvptNoCostlierFrom(c, 100_000)), sentence);
        assertTrue(MethodMacs.cvptNoCostlierFrom(c, 100_000) < 20);
        String claim = EfficiencySummary.paperClaimCheck(t);
        assertTrue(claim.startsWith("**The paper's claim**") && claim.contains("**Ours**, at P = 20")
                && claim.contains("FLOPs are lower than") && claim.endsWith("memory was not measured."), claim);
    }

    @Test
    void freshJvmMeasuresPeakMemoryPerConfiguration() {
        VitConfig c = VitConfig.VIT_TINY12_FMNIST;
        Efficiency.Settings s = Efficiency.Settings.defaults().withBatch(16).withClasses(10).withSteps(0, 1).withThreads(1);
        assertTrue(FreshJvmLauncher.command(c, MethodConfig.of("vpt-deep", 1), s).contains("-Dai.djl.pytorch.num_threads=1"));
        Measurement small = FreshJvmLauncher.measure(c, MethodConfig.of("vpt-deep", 1), s);
        Measurement large = FreshJvmLauncher.measure(c, MethodConfig.of("vpt-deep", 200), s);
        assertEquals("cpu", small.device());
        assertTrue(small.peakRssMiB() > 50, "a JVM with libtorch: " + small);
        assertTrue(small.trainImagesPerSecond() > 0 && large.evalImagesPerSecond() > 0);
        // 12 blocks keep [16, 3, 265, 265] attention maps for the backward: far more than with 66 tokens
        assertTrue(large.peakRssMiB() > small.peakRssMiB() + 200, small + " vs " + large);
        // a non-preset trunk cannot be rebuilt by `vptlab bench`
        assertThrows(VptlabException.class, () -> FreshJvmLauncher.command(TINY, MethodConfig.of("cvpt", 1), s));
        assertThrows(VptlabException.class, () -> FreshJvmLauncher.command(c, MethodConfig.of("cvpt", 1).withDropout(0), s));
    }

    @Test
    void benchCsvFillsTheMeasuredColumns(@TempDir Path tmp) throws Exception {
        VitConfig c = VitConfig.VIT_TINY12_FMNIST;
        Efficiency.Settings s = Efficiency.Settings.defaults().withBatch(4).withClasses(10).withMeasure(Efficiency.Measure.NONE);
        Table t = Efficiency.table(c, List.of("cvpt"), List.of(1, 2), s, line -> {});
        assertTrue(t.doubleColumn("train_img_s").isMissing(0));
        Path csv = tmp.resolve("bench.csv");
        Files.writeString(csv, BenchRow.HEADER + "\nvit_tiny12_fmnist,cvpt,2,1,4,32,gpu(0),12.5,40.0,2048,1234\n"
                + "vit_tiny12_fmnist,cvpt,1,1,8,32,cpu(),1,1,1,\n");
        assertEquals(1, BenchCsv.fill(t, csv), "only P = 2 at batch 4 matches");
        assertEquals(12.5, t.doubleColumn("train_img_s").get(1));
        assertEquals(1234, t.doubleColumn("gpu_mem_mib").get(1));
        assertTrue(t.doubleColumn("train_img_s").isMissing(0));
        XYChart memory = EfficiencyCharts.charts(t.where(t.intColumn("prompts").isEqualTo(2))).get("memory");
        assertTrue(memory != null && memory.getTitle().startsWith("GPU memory"), "GPU memory charted when measured");
        assertThrows(VptlabException.class, () -> BenchRow.fromStdout("no header here\n"));
        List<String> cmds = BenchCsv.commands(c, List.of("cvpt", "vpt-deep"), List.of(1, 5), s, csv);
        assertEquals(4, cmds.size());
        assertTrue(cmds.get(0).contains("--method cvpt --prompts 1 --batch 4"), cmds.get(0));
    }

    @Test
    void theNotebooksEntryPointsAreTheirClassesOwn(@TempDir Path tmp) throws Exception {
        VitConfig c = VitConfig.VIT_TINY12_FMNIST;
        Efficiency.Settings s = Efficiency.Settings.defaults().withBatch(4).withClasses(10).withMeasure(Efficiency.Measure.NONE);
        Table t = Efficiency.table(c, List.of("vpt-deep", "cvpt"), List.of(1, 50), s, line -> {});
        Path csv = tmp.resolve("bench.csv");
        Files.writeString(csv, BenchRow.HEADER + "\nvit_tiny12_fmnist,cvpt,50,1,4,32,cpu,12.5,40.0,2048,\n"
                + "vit_tiny12_fmnist,vpt-deep,50,1,4,32,cpu,10.5,30.0,3000,\n");
        assertEquals(2, Efficiency.withBenchCsv(t, csv));
        assertEquals(BenchCsv.commands(c, List.of("cvpt"), List.of(1), s, csv), Efficiency.benchCommands(c, List.of("cvpt"), List.of(1), s, csv));
        assertEquals(EfficiencyCharts.charts(t).keySet(), Efficiency.charts(t).keySet());
        assertEquals(EfficiencySummary.summary(t), Efficiency.summary(t));
        assertTrue(Efficiency.summary(t).contains("peak RSS of the fresh JVM 2048 MiB vs 3000 MiB"), Efficiency.summary(t));
        assertEquals(EfficiencySummary.paperClaimCheck(t), Efficiency.paperClaimCheck(t));
        assertEquals(MethodMacs.forwardGflops(c, MethodConfig.of("gated", 7)), Efficiency.forwardGflops(c, MethodConfig.of("gated", 7)));
        Table variants = Efficiency.cvptWeightVariantsVsPaper(c, 10, 10);
        assertEquals(CvptWeightVariants.vsPaper(c, 10, 10).print(), variants.print());
        assertEquals(CvptWeightVariants.comparison(variants), Efficiency.paperComparison(variants));
    }

    @Test
    void cvptWeightVariantsAgreeWithThePapersCounts() {
        Table t = CvptWeightVariants.vsPaper(VitConfig.VIT_B16, 10, 100);
        assertEquals(4, t.rowCount());
        // CVPT's CA-weight ablation (numbers via a secondary summary of the paper: "0.09M", "28.4M"):
        // 12·10·768 prompts; learnable CA adds 12·(4·768² + 4·768) = 28,348,416
        assertEquals(0.09216, t.doubleColumn("ours: prompts + CA (M)").get(0), 1e-12);
        assertEquals((92_160 + 28_348_416) / 1e6, t.doubleColumn("ours: prompts + CA (M)").get(1), 1e-12);
        assertEquals((92_160 + 76_900) / 1e6, t.doubleColumn("ours: with 100-class head (M)").get(0), 1e-12);
        assertEquals(0.09, t.doubleColumn("paper: trainable_params_m").get(0));
        assertTrue(t.stringColumn("ours rounded as the paper").asList().stream().allMatch(v -> v.endsWith("(same)")),
                t.print());
        assertTrue(CvptWeightVariants.comparison(t).contains("for 4 of the 4 variants"), CvptWeightVariants.comparison(t));
        Table other = CvptWeightVariants.vsPaper(VitConfig.VIT_B16, 50, 100);
        assertTrue(other.stringColumn("ours rounded as the paper").get(0).endsWith("(differs)"), "0.46M is not the paper's 0.09M");
    }
}
