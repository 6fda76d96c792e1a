package dev.vptlab.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.task.DataSources;
import dev.vptlab.testutil.Fixtures;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** The paper profile reads a study's plan: each run's state from its folder, and the results across seeds. */
class PaperRunsPlanTest {
    @TempDir
    Path tmp;

    @Test
    void aPlansRunsShowTheirStatesAndResults() {
        RunConfig cfg = RunConfig.gated().task("synthetic").backbone(Fixtures.vit("vit_timm.safetensors").toString()).heads(3)
                .numClasses(10).method(MethodConfig.of("vpt-deep", 2)).pooling(Pooling.CLS).epochs(1).warmupEpochs(0)
                .batchSize(64).lr(0.1).build();
        Path done = tmp.resolve("a-s42");
        new Trainer(cfg, DataSources.synthetic(32, 3, 10, 42), done, new Progress(Progress.Mode.QUIET, System.err)).run(false);
        Plan plan = new Plan("demo", "data", 100, List.of(
                new PlanEntry("a-s42", null, done.toString(), List.of(), cfg.toMap(), 0.1),
                new PlanEntry("b-s42", null, tmp.resolve("b-s42").toString(), List.of(), cfg.toMap(), 0.1)));

        Table states = dev.vptlab.plan.PlanTables.states(plan);
        assertEquals(List.of("finished", "missing"), states.stringColumn("state").asList());
        assertEquals("1/1", states.stringColumn("epochs").get(0));
        Table results = dev.vptlab.plan.PlanTables.results(plan);
        assertEquals(2, results.rowCount());
        assertEquals("1/1", results.stringColumn("seeds").get(0));
        assertEquals("0/1", results.stringColumn("seeds").get(1));
    }
}
