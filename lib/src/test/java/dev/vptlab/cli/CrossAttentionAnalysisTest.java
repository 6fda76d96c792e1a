package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.notebook.CrossAttentionAnalysis;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CrossAttentionAnalysis#of} on finished runs the command line made: a CVPT classification run and a CVPT
 * segmentation run give 12 blocks of statistics within their ranges over the images asked for; a run of another method
 * is a typed error naming the folder. (The statistics themselves are checked against the reference in
 * {@code CrossAttentionParityTest}.)
 */
class CrossAttentionAnalysisTest {
    @Test
    void classificationAndSegmentationRunsAreAnalysedAndOtherMethodsRefused(@TempDir Path tmp) {
        Path mae = dev.vptlab.reproduce.EmbeddedBackbones.extract("mae", tmp, false, m -> { });
        Path cls = tmp.resolve("cls");
        CliTest.Result a = CliTest.run("train", "--task", "fm-item", "--recipe", "cvpt", "--backbone", mae.toString(), "--epochs",
                "1", "--train-limit", "16", "--test-limit", "16", "--batch-size", "8", "--progress", "QUIET", "--out", cls.toString());
        assertEquals(0, a.code(), a.err());
        Path seg = tmp.resolve("seg");
        CliTest.Result b = CliTest.run("train", "--task", "fm-seg", "--recipe", "cvpt", "--backbone", mae.toString(), "--iterations",
                "2", "--batch-size", "4", "--train-limit", "8", "--test-limit", "8", "--progress", "QUIET", "--out", seg.toString());
        assertEquals(0, b.code(), b.err());
        for (Path run : new Path[] {cls, seg}) {
            CrossAttentionAnalysis r = CrossAttentionAnalysis.of(run, 6);
            assertEquals(6, r.images(), run.toString());
            assertEquals(12, r.entropy().length);
            for (int i = 0; i < 12; i++) {
                assertTrue(r.entropy()[i] > 0 && r.entropy()[i] <= 1 + 1e-6, run + " block " + i + " entropy " + r.entropy()[i]);
                assertTrue(r.largestWeight()[i] >= 1.0 / r.prompts() - 1e-6 && r.largestWeight()[i] <= 1, run + " block " + i);
                assertTrue(r.spatialShare()[i] >= 0 && r.spatialShare()[i] <= 1 + 1e-6, run + " block " + i);
            }
            assertEquals(12, r.table("x").rowCount());
        }

        Path gated = tmp.resolve("gated");
        CliTest.Result c = CliTest.run("train", "--task", "fm-seg", "--recipe", "gated", "--backbone", mae.toString(), "--iterations",
                "1", "--batch-size", "4", "--train-limit", "4", "--test-limit", "4", "--progress", "QUIET", "--out", gated.toString());
        assertEquals(0, c.code(), c.err());
        VptlabException e = assertThrows(VptlabException.class, () -> CrossAttentionAnalysis.of(gated, 4));
        assertTrue(e.getMessage().contains(gated.toString()) && e.getMessage().contains("not a CVPT run"), e.getMessage());
    }
}
