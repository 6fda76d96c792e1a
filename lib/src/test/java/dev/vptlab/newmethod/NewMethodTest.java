package dev.vptlab.newmethod;

import dev.vptlab.train.RunModels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.vptlab.data.Splits;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Methods;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.prompt.VptDeep;
import dev.vptlab.report.MethodMacs;
import dev.vptlab.report.ParameterCount;
import dev.vptlab.task.DataSources;
import dev.vptlab.testutil.Fixtures;
import dev.vptlab.train.Evaluator;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.Runs;
import dev.vptlab.train.Trainer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/**
 * A method defined entirely in this folder ({@link SharedDeepPrompts}) goes through the public API like the
 * built-in ones: it is registered, trained into a run folder, reloaded from its record and trained file, and
 * summarised (parameters, FLOPs, the runs table), with no library file knowing it.
 */
class NewMethodTest {
    @TempDir
    Path tmp;

    @Test
    void aMethodDefinedInTheTestTreeTrainsSavesReloadsAndSummarises() {
        Methods.register(SharedDeepPrompts.TYPE);
        MethodConfig method = MethodConfig.of("vpt-deep-shared", 4);
        RunConfig cfg = RunConfig.gated().task("synthetic").backbone(Fixtures.vit("vit_timm.safetensors").toString()).heads(3)
                .numClasses(10).method(method).pooling(Pooling.CLS).epochs(2).warmupEpochs(1).batchSize(32).lr(0.1).build();
        Splits data = DataSources.synthetic(32, 3, cfg.numClasses(), cfg.seed());
        Path run = tmp.resolve("results/shared");
        RunRecord record = new Trainer(cfg, data, run, new Progress(Progress.Mode.QUIET, System.err)).run(false);

        assertEquals(RunRecord.FINISHED, record.status());
        assertEquals("vpt-deep-shared", record.config().get("method"));
        // The record alone gives the method back (through the registry), equal to the one trained.
        RunConfig reread = RunConfig.fromMap(record.config());
        assertEquals(cfg, reread);

        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = RunModels.build(reread, data.train().imageShape(), m);
            int d = model.backbone().config().embedDim();
            assertEquals(4L * d, model.parameterGroups().get("prompts")); // any "…prompts" tensor counts as prompts
            assertEquals(record.trainableParameters(), model.trainableCount());
            RunModels.loadTrained(model, run.resolve(Trainer.TRAINABLE_FILE));
            double top1 = Evaluator.evaluate("test", model, data.test(), 64, null, m).top1();
            assertEquals(record.epochs().get(1).test().top1(), top1, 1e-9, "reloaded weights score what the run scored");

            // Summaries: the FLOPs model counts the shared prompts like VPT-deep's (the same tokens in every block).
            VitConfig vc = model.backbone().config();
            assertEquals(VptDeep.Config.of(4).forwardMacs(vc), MethodMacs.forwardMacs(vc, method));
            assertEquals(record.trainableParameters(), ParameterCount.of(vc, method, 10).trainable());
        }
        Table runs = Runs.load(tmp.resolve("results"));
        assertEquals(1, runs.rowCount());
        assertEquals("vpt-deep-shared", runs.stringColumn("method").get(0));
        assertArrayEquals(new String[] {"finished"}, runs.stringColumn("status").asObjectArray());
    }
}
