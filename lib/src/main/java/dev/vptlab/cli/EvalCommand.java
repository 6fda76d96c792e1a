package dev.vptlab.cli;

import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.data.DataSources;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.train.EvalResult;
import dev.vptlab.train.Evaluator;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vptlab eval}: evaluates a finished run's trained parameters on one split. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a trained run on a split.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, description = "A run folder written by train.")
    Path run;

    @Option(names = "--split", defaultValue = "test", description = "train, val or test (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--data-root", defaultValue = "data", description = "Folder holding the prepared datasets.")
    Path dataRoot;

    @Option(names = "--save-logits", description = "Write one CSV row per image: path, label, logits.")
    Path saveLogits;

    @Option(names = "--batch-size", defaultValue = "64")
    int batchSize;

    @Override
    public Integer call() {
        RunRecord record = RunRecord.read(run);
        RunConfig cfg = RunConfig.fromMap(record.config());
        Path trained = run.resolve(Trainer.TRAINABLE_FILE);
        if (!Files.exists(trained)) {
            trained = run.resolve(Trainer.STATE_FILE);
        }
        if (!Files.exists(trained)) {
            throw new VptlabException(run + ": no trained parameters (" + Trainer.TRAINABLE_FILE + ")");
        }
        int[] shape = Trainer.inputShape(cfg);
        Trainer.Splits splits = DataSources.open(cfg, dataRoot, shape[1], shape[0]);
        ImageDataset d = switch (split) {
            case "train" -> splits.train();
            case "val" -> splits.val();
            case "test" -> splits.test();
            default -> throw new VptlabException("unknown split '" + split + "'; known: train, val, test");
        };
        if (d == null) {
            throw new VptlabException("task " + cfg.task() + " has no " + split + " split");
        }
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = Trainer.buildModel(cfg, d.imageShape(), m);
            Trainer.loadTrained(model, trained);
            float[] logits = Evaluator.logits(model, d, batchSize, null, m);
            EvalResult r = EvalResult.of(split, logits, d.numClasses(), dev.vptlab.data.Batches.labels(d, dev.vptlab.data.Batches.range(0, d.size())));
            spec.commandLine().getOut().printf("%s %s: n=%d top-1 %.2f top-5 %.2f%s loss %.4f%n", record.runId(), split, r.n(),
                    r.top1(), r.top5(), Double.isNaN(r.auc()) ? "" : String.format(" AUC %.4f", r.auc()), r.loss());
            if (saveLogits != null) {
                Evaluator.saveLogits(saveLogits, d, logits);
                spec.commandLine().getOut().println("wrote " + saveLogits);
            }
        }
        return 0;
    }
}
