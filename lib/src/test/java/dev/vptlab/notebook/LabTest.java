package dev.vptlab.notebook;

import dev.vptlab.prompt.GatedPrompts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class LabTest {
    @TempDir
    Path tmp;

    @Test
    void smokeStudiesRunAndASecondRunOnlyReads() {
        Lab lab = Lab.setup(Lab.Profile.SMOKE, tmp.resolve("results"), tmp.resolve("data"), tmp.resolve("ckpt"));
        long t0 = System.nanoTime();
        Table sweep = lab.run(Lab.BLOCK_LOCATION);
        double first = (System.nanoTime() - t0) / 1e9;
        assertEquals(3 * 2, sweep.rowCount(), "3 backbones x k in {1, 12} on fm-item");
        Table summary = Summaries.blockLocation(sweep);
        assertEquals(3, summary.rowCount());
        t0 = System.nanoTime();
        lab.run(Lab.BLOCK_LOCATION);
        double second = (System.nanoTime() - t0) / 1e9;
        assertTrue(second < first / 3, "finished runs are read, not retrained: " + first + " s then " + second + " s");
        System.out.printf("smoke block-location: %.1f s, again %.1f s%n", first, second);
    }

    @Test
    void trainIsIdempotentAndGatesCanBeAnalysed() {
        Lab lab = Lab.setup(Lab.Profile.SMOKE, tmp.resolve("results"), tmp.resolve("data"), tmp.resolve("ckpt"));
        RunConfig cfg = lab.budget(RunConfig.gated().lr(0.2).batchSize(64), 2).task("fm-item").numClasses(10)
                .backbone(lab.backbones().mae().toString()).method(GatedPrompts.Config.of(2).withGates(1f, true, true))
                .pooling(Pooling.MEAN_PROMPTS_AND_PATCHES).build();
        RunRecord r = lab.train("quickstart", cfg);
        assertEquals(RunRecord.FINISHED, r.status());
        assertEquals(r.runId(), lab.train("quickstart", cfg).runId(), "a finished run is read back");
        GateAnalysis g = GateAnalysis.of(tmp.resolve("results/runs/quickstart"));
        assertEquals(11, g.gates().length);
        assertEquals(12, g.temperatures().length);
        assertEquals(1.0, java.util.Arrays.stream(g.selectionRatios()).sum(), 1e-6);
        RunConfig other = cfg.toBuilder().lr(0.5).build();
        VptlabException e = assertThrows(VptlabException.class, () -> lab.train("quickstart", other));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
    }

    @Test
    void paperProfileReportsWhatIsMissingAndShowsCommands() {
        Lab lab = Lab.setup(Lab.Profile.PAPER, tmp.resolve("results"), tmp.resolve("data"), tmp.resolve("ckpt"));
        assertTrue(lab.checkList().stream().anyMatch(c -> c.what().startsWith("MAE") && !c.ok()));
        assertTrue(lab.describe().contains("data-scripts/checkpoints"));
        List<String> cmds = PaperRuns.commands(lab, "block-location");
        assertEquals(6, cmds.size());
        assertTrue(cmds.get(0).startsWith("./vptlab sweep block-location --task cub --backbone " + tmp.resolve("ckpt/mae_pretrain_vit_base.pth")));
        assertTrue(cmds.stream().anyMatch(c -> c.contains("--backbone-kind mocov3") && c.contains("--task cub") && c.contains("--lr 1.0")));
        assertEquals(null, PaperRuns.recordsOrCommands(lab, "gated-fgvc", 3));
        assertFalse(PaperRuns.commands(lab, "cvpt-vtab").isEmpty());
        assertThrows(VptlabException.class, lab::miniProfile);
    }
}
