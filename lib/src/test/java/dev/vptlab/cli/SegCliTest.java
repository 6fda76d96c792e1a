package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segmentation side of the command line: train, eval with saved predictions, runs, model summary. */
class SegCliTest {
    private static CliTest.Result run(String... args) {
        return CliTest.run(args);
    }

    @Test
    void trainEvalAndRunsOnFmSeg(@TempDir Path tmp) throws Exception {
        Path mae = dev.vptlab.reproduce.EmbeddedBackbones.extract("mae", tmp, false, m -> { });
        Path out = tmp.resolve("results/seg");
        CliTest.Result train = run("train", "--task", "fm-seg", "--recipe", "gated", "--backbone", mae.toString(), "--iterations",
                "2", "--batch-size", "4", "--train-limit", "16", "--test-limit", "16", "--out", out.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("mIoU"), train.out());
        assertTrue(train.out().contains("finished after 1 evaluation periods"), train.out());

        Path preds = tmp.resolve("preds");
        CliTest.Result eval = run("eval", "--run", out.toString(), "--save-predictions", preds.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("mIoU"), eval.out());
        List<Path> pngs;
        try (Stream<Path> s = Files.list(preds)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(16, pngs.size(), pngs.toString());
        for (Path p : pngs) {
            BufferedImage img = ImageIO.read(p.toFile());
            assertEquals(32, img.getWidth(), p.toString());
            assertEquals(32, img.getHeight(), p.toString());
            assertEquals(1, img.getRaster().getNumBands(), p.toString());
            Raster r = img.getRaster();
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int v = r.getSample(x, y, 0);
                    assertTrue(v >= 0 && v <= 10, p + " (" + x + "," + y + ") = " + v);
                }
            }
        }
        // the eval of the finished run scores what the run's last period scored
        double recorded = dev.vptlab.train.RunRecord.read(out).lastTestMiou();
        assertTrue(eval.out().contains(String.format(java.util.Locale.ROOT, "mIoU %.2f", recorded)), eval.out() + " vs " + recorded);

        CliTest.Result runs = run("runs", tmp.resolve("results").toString());
        assertEquals(0, runs.code(), runs.err());
        assertTrue(runs.out().contains("last_test_miou"), runs.out());
        assertTrue(!runs.out().contains("top1"), "no classification columns for segmentation runs only: " + runs.out());
    }

    /** --eval-split val: the run scores val200 (recorded as val, not test), and `runs` shows it in its own column. */
    @Test
    void aValRunScoresValidationNotTest(@TempDir Path tmp) throws Exception {
        Path mae = dev.vptlab.reproduce.EmbeddedBackbones.extract("mae", tmp, false, m -> { });
        Path out = tmp.resolve("results/val");
        CliTest.Result train = run("train", "--task", "fm-seg", "--recipe", "vpt-deep", "--backbone", mae.toString(), "--iterations",
                "2", "--batch-size", "4", "--train-limit", "8", "--test-limit", "12", "--eval-split", "val", "--out", out.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("; val mIoU "), train.out());
        dev.vptlab.train.RunRecord r = dev.vptlab.train.RunRecord.read(out);
        assertEquals("val", r.config().get("eval_split"));
        dev.vptlab.train.EpochMetrics last = r.epochs().get(r.epochs().size() - 1);
        assertEquals(null, last.test());
        assertEquals("val", last.val().split());
        assertEquals(12, last.val().n());
        assertTrue(Double.isNaN(r.lastTestMiou()));
        assertEquals(last.val().miou(), r.lastValMiou());
        CliTest.Result runs = run("runs", tmp.resolve("results").toString());
        assertEquals(0, runs.code(), runs.err());
        assertTrue(runs.out().contains("last_val_miou") && !runs.out().contains("last_test_miou"), runs.out());

        CliTest.Result cls = run("train", "--task", "fm-tops", "--backbone", mae.toString(), "--eval-split", "val", "--out",
                tmp.resolve("cls").toString());
        assertNotEquals(0, cls.code());
        assertTrue(cls.err().contains("--eval-split applies to the segmentation tasks"), cls.err());
    }

    /**
     * sweep lr on fm-seg: the grid sets the prompts' lr while the heads keep the recipe's 0.4; every point scores val200;
     * a second call finds the finished points and rewrites nothing; ADE20K and the block-location sweep are refused.
     */
    @Test
    void anLrSweepOnFmSegSelectsOnValidation(@TempDir Path tmp) throws Exception {
        Path mae = dev.vptlab.reproduce.EmbeddedBackbones.extract("mae", tmp, false, m -> { });
        Path out = tmp.resolve("sweep");
        String[] args = {"sweep", "lr", "--task", "fm-seg", "--recipe", "cvpt", "--backbone", mae.toString(), "--grid", "0.4,4",
            "--iterations", "2", "--batch-size", "4", "--train-limit", "8", "--test-limit", "8", "--threads", "1",
            "--progress", "QUIET", "--out", out.toString()};
        CliTest.Result r = run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("selected lr ") && r.out().contains("by best val mIoU"), r.out());
        double best = -1;
        for (String lr : new String[] {"0.4", "4.0"}) {
            dev.vptlab.train.RunRecord rec = dev.vptlab.train.RunRecord.read(out.resolve("lr" + lr));
            assertEquals("val", rec.config().get("eval_split"));
            double prompts = ((Number) rec.config().get("lr")).doubleValue();
            assertEquals(Double.parseDouble(lr), prompts);
            assertEquals(0.4, prompts * ((Number) rec.config().get("head_lr_mult")).doubleValue(), 1e-12, "heads keep 0.4");
            best = Math.max(best, rec.lastValMiou());
        }
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "by best val mIoU %.2f", best)), r.out());
        byte[] before = Files.readAllBytes(out.resolve("lr4.0/record.json"));
        CliTest.Result again = run(args);
        assertEquals(0, again.code(), again.err());
        assertEquals(new String(before), new String(Files.readAllBytes(out.resolve("lr4.0/record.json"))), "a finished point is kept");

        CliTest.Result ade = run("sweep", "lr", "--task", "ade20k", "--recipe", "gated", "--backbone", mae.toString(),
                "--data-root", tmp.toString(), "--out", tmp.resolve("ade").toString());
        assertNotEquals(0, ade.code());
        assertTrue(ade.err().contains("ade20k has none apart from the one the papers report"), ade.err());
        CliTest.Result k = run("sweep", "block-location", "--task", "fm-seg", "--backbone", mae.toString(), "--out",
                tmp.resolve("k").toString());
        assertNotEquals(0, k.code());
        assertTrue(k.err().contains("the lr sweep only"), k.err());
    }

    @Test
    void poolingIsRefusedForASegmentationTask(@TempDir Path tmp) {
        CliTest.Result r = run("train", "--task", "fm-seg", "--backbone", tmp.resolve("none.safetensors").toString(), "--pooling",
                "CLS", "--out", tmp.resolve("x").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--pooling does not apply to the segmentation task fm-seg"), r.err());
        assertTrue(!Files.exists(tmp.resolve("x").resolve("record.json")));
    }

    /** --backbone-dropout overrides CVPT's backbone dropout: 0.1 at ADE20K scale, 0 on fm-seg and for classification. */
    @Test
    void backboneDropoutIsACvptOption() {
        TrainOptions seg = options("--task", "fm-seg", "--recipe", "cvpt", "--backbone", "/nonexistent/mae.safetensors");
        assertEquals(0f, ((dev.vptlab.prompt.CrossVisualPrompts.Config) seg.segConfig().method()).dropRate());
        assertTrue(!seg.segConfig().toMap().containsKey("drop_rate"));
        TrainOptions on = options("--task", "fm-seg", "--recipe", "cvpt", "--backbone", "/nonexistent/mae.safetensors",
                "--backbone-dropout", "0.1");
        assertEquals(0.1f, ((dev.vptlab.prompt.CrossVisualPrompts.Config) on.segConfig().method()).dropRate());
        assertEquals(0.1f, ((Number) on.segConfig().toMap().get("drop_rate")).floatValue());
        TrainOptions cls = options("--task", "synthetic", "--recipe", "cvpt", "--backbone", "/nonexistent/t.safetensors",
                "--backbone-kind", "mocov3", "--pooling", "CLS", "--backbone-dropout", "0.2");
        assertEquals(0.2f, ((dev.vptlab.prompt.CrossVisualPrompts.Config) cls.config().method()).dropRate());
        TrainOptions gated = options("--task", "fm-seg", "--recipe", "gated", "--backbone", "/nonexistent/mae.safetensors",
                "--backbone-dropout", "0.1");
        dev.vptlab.VptlabException e = org.junit.jupiter.api.Assertions.assertThrows(dev.vptlab.VptlabException.class,
                gated::segConfig);
        assertTrue(e.getMessage().contains("--backbone-dropout") && e.getMessage().contains("gated"), e.getMessage());
    }

    private static TrainOptions options(String... args) {
        TrainOptions o = new TrainOptions();
        new picocli.CommandLine(o).parseArgs(args);
        return o;
    }

    @Test
    void modelSummaryCountsTheSetrPupHeads() {
        CliTest.Result b = run("model", "summary", "--arch", "vit_b16", "--method", "gated", "--prompts", "100", "--task", "ade20k");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().lines().anyMatch(l -> l.trim().startsWith("heads") && l.contains("8,381,890")), b.out());
        assertTrue(b.out().contains("training memory per iteration (analytic, fp32, batch 16, 512x512 crops)"), b.out());
        assertTrue(b.out().lines().anyMatch(l -> l.trim().startsWith("total") && l.endsWith("GiB")), b.out());
        CliTest.Result l = run("model", "summary", "--arch", "vit_l16", "--method", "cvpt", "--prompts", "10", "--task", "ade20k");
        assertEquals(0, l.code(), l.err());
        assertTrue(l.out().lines().anyMatch(x -> x.trim().startsWith("heads") && x.contains("13,143,640")), l.out());
    }
}
