package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.train.RunRecord;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SegConfigTest {
    private static final String[] RECIPES = {"vpt-deep", "gated", "cvpt", "head-only"};

    private static SegConfig base() {
        return SegRecipes.mini("gated", "/nonexistent/mae.safetensors", 10);
    }

    /** The config as the run record keeps it (JSON numbers canonicalised), which is what resume compares. */
    private static Map<String, Object> stored(SegConfig c) {
        return c.recorded();
    }

    @Property(tries = 60, seed = "20261206")
    void theRecordedConfigReadsBackEqual(@ForAll @LongRange(min = 1, max = 200_000) long iterations,
            @ForAll @IntRange(min = 1, max = 64) int batch, @ForAll @DoubleRange(min = 1e-6, max = 1.0) @net.jqwik.api.constraints.Scale(10) double lr,
            @ForAll @IntRange(min = 0, max = 3) int recipe, @ForAll @IntRange(min = 1, max = 7) int tapBits,
            @ForAll @IntRange(min = 0, max = 3) int low) {
        TreeSet<Integer> set = new TreeSet<>();
        for (int j = 0; j < 3; j++) {
            if ((tapBits & (1 << j)) != 0) {
                set.add(low + 4 * j);
            }
        }
        int[] taps = set.stream().mapToInt(Integer::intValue).toArray();
        SegConfig c = SegRecipes.mini(RECIPES[recipe], "/nonexistent/mae.safetensors", iterations).with(b -> {
            b.batchSize = batch;
            b.lr = lr;
            b.taps = taps;
            b.evalEvery = Math.max(1, iterations / 3);
        });
        SegConfig direct = SegConfig.fromMap(c.toMap());
        assertEquals(c.toMap(), direct.toMap());
        assertArrayEquals(taps, direct.taps());
        assertEquals(c.method(), direct.method());
        // through record.json, as evaluating or resuming a finished run reads it
        RunRecord r = RunRecord.start("x", c.toMap(), 0, Map.of(), "", 0, 0);
        SegConfig fromJson = SegConfig.fromMap(RunRecord.fromJson(r.toJson(), "record.json").config());
        assertEquals(stored(c), stored(fromJson));
        assertEquals(lr, fromJson.lr());
        assertEquals(iterations, fromJson.iterations());
        assertEquals(batch, fromJson.batchSize());
        assertArrayEquals(taps, fromJson.taps());
        assertEquals(c.methodId(), fromJson.methodId());
        assertTrue(SegConfig.isSegmentation(fromJson.toMap()));
    }

    @Test
    void invalidConfigsAreRefused() {
        VptlabException e = assertThrows(VptlabException.class, () -> base().with(b -> b.taps = new int[] {8, 4, 11}));
        assertTrue(e.getMessage().contains("ascending"), e.getMessage());
        assertThrows(VptlabException.class, () -> base().with(b -> b.taps = new int[] {4, 4, 11}));
        e = assertThrows(VptlabException.class, () -> base().with(b -> b.stride = b.crop + 1));
        assertTrue(e.getMessage().contains("stride"), e.getMessage());
        e = assertThrows(VptlabException.class, () -> base().with(b -> b.iterations = 0));
        assertTrue(e.getMessage().contains("iterations"), e.getMessage());
        assertThrows(VptlabException.class, () -> base().with(b -> b.batchSize = 0));
        assertThrows(VptlabException.class, () -> base().with(b -> b.classes = 1));
        // the edge of each rule is allowed
        assertEquals(32, base().with(b -> b.stride = b.crop).stride());
        assertEquals(1, base().with(b -> b.iterations = 1).iterations());
    }

    /**
     * The evaluation split: test by default and absent from the record (records of runs scored on test stay as they
     * were); val recorded and read back; anything else refused. Opening the splits: val trains on train800 and scores
     * val200 on fm-seg, and is refused for ADE20K, whose only held-out split is the one the papers report.
     */
    @Test
    void theEvaluationSplitIsTestUnlessValIsAsked() {
        assertEquals(SegConfig.TEST, base().evalSplit());
        assertTrue(!stored(base()).containsKey("eval_split"));
        SegConfig val = base().with(b -> b.evalSplit = SegConfig.VAL);
        assertEquals(SegConfig.VAL, stored(val).get("eval_split"));
        assertEquals(SegConfig.VAL, SegConfig.fromMap(stored(val)).evalSplit());
        assertEquals(SegConfig.TEST, SegConfig.fromMap(stored(base())).evalSplit());
        VptlabException e = assertThrows(VptlabException.class, () -> base().with(b -> b.evalSplit = "validation"));
        assertTrue(e.getMessage().contains("eval split must be test or val"), e.getMessage());

        SegTasks.Splits test = SegTasks.open(base(), null);
        assertEquals("fm-seg/train800val200", test.train().name());
        assertEquals(1000, test.train().size());
        assertEquals("fm-seg/test", test.test().name());
        SegTasks.Splits s = SegTasks.open(val, null);
        assertEquals(800, s.train().size());
        assertEquals("fm-seg/val200", s.test().name());
        assertEquals(200, s.test().size());
        // val200 is the tail of train800val200, which the val run does not train on
        assertArrayEquals(test.train().annotation(800).label(), s.test().annotation(0).label());
        assertEquals(50, SegTasks.open(val.with(b -> b.trainLimit = 50), null).train().size());
        assertEquals(800, SegTasks.open(val.with(b -> b.trainLimit = 900), null).train().size());

        SegConfig ade = SegRecipes.ade20k("gated", "/nonexistent/vit_b16_mae.pth", "/data/ADEChallengeData2016")
                .with(b -> b.evalSplit = SegConfig.VAL);
        e = assertThrows(VptlabException.class, () -> SegTasks.open(ade, java.nio.file.Path.of("/nonexistent")));
        assertTrue(e.getMessage().contains("ade20k has no validation split"), e.getMessage());
    }

    @Test
    void aMalformedStoredConfigIsATypedError() {
        Map<String, Object> m = new java.util.LinkedHashMap<>(base().toMap());
        m.remove("taps");
        assertThrows(VptlabException.class, () -> SegConfig.fromMap(m));
    }

    @Test
    void gatedAde20kRecipeIsGatedPtTable5() {
        // Gated PT §5.2.3 / Table 5: ViT-B, 100 prompts, gate init 10, batch 16, lr 1e-3; mmseg schedule_160k.
        SegConfig c = SegRecipes.ade20k("gated", "/nonexistent/vit_b16_mae.pth", "/data/ADEChallengeData2016");
        assertArrayEquals(new int[] {4, 8, 11}, c.taps());
        GatedPrompts.Config g = (GatedPrompts.Config) c.method();
        assertEquals(100, g.prompts());
        assertEquals(10f, g.gateInit());
        assertTrue(g.gates());
        assertEquals(1e-3, c.lr());
        assertEquals(160_000, c.iterations());
        assertEquals(16, c.batchSize());
        assertEquals(150, c.classes());
        assertEquals(512, c.crop());
        assertEquals(341, c.stride());
        assertEquals(10, c.periods());
    }

    /**
     * CVPT's released ADE20K config builds its ViT with drop_rate 0.1, and the ADE20K recipe keeps it; the mini recipe
     * trains without it. Records made before the option read as 0.
     */
    @Test
    void cvptRecipesKeepTheReleasedBackboneDropoutAtPaperScale() {
        SegConfig ade = SegRecipes.ade20k("cvpt", "/nonexistent/vit_l16.pth", "/data/ADEChallengeData2016");
        assertEquals(0.1f, ((CrossVisualPrompts.Config) ade.method()).dropRate());
        assertEquals(0.1f, ((Number) stored(ade).get("drop_rate")).floatValue());
        assertEquals(stored(ade), stored(SegConfig.fromMap(stored(ade))));
        Map<String, Object> old = new java.util.LinkedHashMap<>(stored(ade));
        old.remove("drop_rate");
        SegConfig before = SegConfig.fromMap(old);
        assertEquals(0f, ((CrossVisualPrompts.Config) before.method()).dropRate());
        assertEquals(old, stored(before), "a record without the key reads back to the same record");
        SegConfig mini = SegRecipes.mini("cvpt", "/nonexistent/mae.safetensors", 10);
        assertEquals(0f, ((CrossVisualPrompts.Config) mini.method()).dropRate());
        for (String other : new String[] {"cvpt", "gated", "vpt-deep", "head-only"}) {
            assertTrue(!stored(SegRecipes.mini(other, "/nonexistent/mae.safetensors", 10)).containsKey("drop_rate"), other);
        }
    }

    /** The mini recipe: the prompts (gates, τ) at lr 4 and the heads at exactly 0.4, for every method. */
    @Test
    void miniRecipesTrainPromptsAtFourAndHeadsAtPointFour() {
        for (String r : SegRecipes.NAMES) {
            SegConfig c = SegRecipes.mini(r, "/nonexistent/mae.safetensors", 10);
            assertEquals(4.0, c.lr(), r);
            assertEquals(0.4, c.lr() * c.headLrMult(), 0.0, r);
        }
    }

    @Test
    void recipesForOtherDepthsAndMethods() {
        assertArrayEquals(new int[] {9, 14, 19, 23}, SegRecipes.taps(24)); // CVPT's out_indices for ViT-L
        assertArrayEquals(new int[] {4, 8, 11}, SegRecipes.taps(12));
        CrossVisualPrompts.Config cvpt = (CrossVisualPrompts.Config) SegRecipes.method("cvpt", 10);
        assertEquals(3, cvpt.position());
        assertEquals(10, cvpt.prompts());
        assertNull(SegRecipes.method("head-only", 10));
        assertEquals("head-only", base().with(b -> b.method = null).methodId());
        assertThrows(VptlabException.class, () -> SegRecipes.method("vpt-wide", 10));
    }
}
