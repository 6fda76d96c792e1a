package dev.vptlab.cli;

import dev.vptlab.train.RunModels;
import java.util.Map;
import dev.vptlab.train.RunSplits;
import dev.vptlab.data.Splits;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.StateDicts;
import dev.vptlab.task.DataSources;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.prompt.TrainedShapes;
import dev.vptlab.task.EvalResult;
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

/**
 * {@code vptlab eval}: evaluates trained parameters on one split: a finished run's ({@code --run}), or a file of
 * trained tensors from any trainer ({@code --trainable}, with {@code --backbone}, {@code --task} and the recipe or
 * method), whose prompt count, class count, gates and temperatures are read from its shapes.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a trained run, or a file of trained parameters, on a split.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", description = "A run folder written by train.")
    Path run;

    @Option(names = "--trainable", description = "Instead of --run: trained parameters (vptlab's, or an official trainer's"
            + " .pth / safetensors, e.g. Gated PT's last_model.pth); needs --backbone and --task.")
    Path trainable;

    @Option(names = "--backbone", description = "With --trainable: the backbone checkpoint it was trained on.")
    Path backbone;

    @Option(names = "--task", description = "With --trainable: the task key or folder.")
    String task;

    @Option(names = "--recipe", defaultValue = "gated", description = "With --trainable: gated or cvpt (default ${DEFAULT-VALUE}).")
    String recipe;

    @Option(names = "--method", description = "With --trainable: vpt-shallow, vpt-deep, gated or cvpt (default: the recipe's).")
    String method;

    @Option(names = "--backbone-kind", description = "With --trainable: mae or mocov3 (pooling); default from the checkpoint.")
    String backboneKind;

    @Option(names = "--heads", description = "With --trainable: head count when the checkpoint does not say.")
    Integer heads;

    @Option(names = "--pooling", description = "With --trainable: ${COMPLETION-CANDIDATES} (default: per backbone).")
    dev.vptlab.prompt.Pooling pooling;

    @Option(names = "--position", description = "With --trainable, cvpt: cross-attention position 1..5.")
    Integer position;

    @Option(names = "--split", defaultValue = "test", description = "train, val or test (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--data-root", defaultValue = "data", description = "Folder holding the prepared datasets.")
    Path dataRoot;

    @Option(names = "--save-logits", description = "Write one CSV row per image: path, label, logits.")
    Path saveLogits;

    @Option(names = "--batch-size", defaultValue = "64")
    int batchSize;

    @Option(names = "--save-predictions", paramLabel = "DIR", description = "Segmentation runs: write each image's predicted"
            + " labels as an 8-bit PNG into DIR (ADE20K: class + 1, the annotations' coding).")
    Path savePredictions;

    @Option(names = "--multi-scale", description = "Segmentation runs: mmseg's 6 ratios x flip instead of single scale.")
    boolean multiScale;

    @Option(names = "--test-limit", description = "Segmentation runs: the first N evaluation images only.")
    Integer testLimit;

    @Override
    public Integer call() {
        if ((run == null) == (trainable == null)) {
            throw new VptlabException("eval needs either --run FOLDER or --trainable FILE (with --backbone and --task)");
        }
        if (run != null && dev.vptlab.seg.SegRuns.isSegmentationRun(run)) {
            dev.vptlab.seg.MeanIou iou = dev.vptlab.seg.SegRuns.evaluate(run, dataRoot, multiScale, testLimit == null ? 0 : testLimit,
                    savePredictions);
            spec.commandLine().getOut().printf(java.util.Locale.ROOT, "%s %s (%s): mIoU %.2f aAcc %.2f%n", run.getFileName(),
                    multiScale ? "multi-scale + flip" : "single scale", "evaluation split", 100 * iou.miou(), 100 * iou.aAcc());
            if (savePredictions != null) {
                spec.commandLine().getOut().println("wrote predictions to " + savePredictions);
            }
            return 0;
        }
        if (savePredictions != null || multiScale || testLimit != null) {
            throw new VptlabException("--save-predictions, --multi-scale and --test-limit apply to segmentation runs (--run)");
        }
        RunConfig cfg;
        Path trained;
        String label;
        if (run != null) {
            RunRecord record = RunRecord.read(run);
            cfg = RunConfig.fromMap(record.config());
            trained = run.resolve(Trainer.TRAINABLE_FILE);
            if (!Files.exists(trained)) {
                trained = run.resolve(Trainer.STATE_FILE);
            }
            if (!Files.exists(trained)) {
                throw new VptlabException(run + ": no trained parameters (" + Trainer.TRAINABLE_FILE + ")");
            }
            label = record.runId();
        } else {
            if (backbone == null || task == null) {
                throw new VptlabException("--trainable needs --backbone FILE and --task TASK");
            }
            trained = trainable;
            cfg = fileConfig();
            label = trainable.getFileName().toString();
        }
        int[] shape = RunModels.inputShape(cfg);
        Splits splits = RunSplits.open(cfg, dataRoot, shape[1], shape[0]);
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
            PromptedVit model = RunModels.build(cfg, d.imageShape(), m);
            RunModels.loadTrained(model, trained);
            float[] logits = Evaluator.logits(model, d, batchSize, null, m);
            EvalResult r = EvalResult.of(split, logits, d.numClasses(), dev.vptlab.data.Batches.labels(d, dev.vptlab.data.Batches.range(0, d.size())));
            spec.commandLine().getOut().printf("%s %s: n=%d top-1 %.2f top-5 %.2f%s loss %.4f%n", label, split, r.n(),
                    r.top1(), r.top5(), Double.isNaN(r.auc()) ? "" : String.format(" AUC %.4f", r.auc()), r.loss());
            if (saveLogits != null) {
                Evaluator.saveLogits(saveLogits, d, logits);
                spec.commandLine().getOut().println("wrote " + saveLogits);
            }
        }
        return 0;
    }

    /** The config of a --trainable evaluation: the recipe's, with the method's sizes read from the file. */
    private RunConfig fileConfig() {
        TrainedShapes s = TrainedShapes.of(StateDicts.read(trainable).tensors());
        TrainOptions o = new TrainOptions();
        o.recipe = recipe;
        o.task = task;
        o.backbone = backbone;
        o.backboneKind = backboneKind;
        o.heads = heads;
        o.pooling = pooling;
        o.method.position = position;
        o.method.method = method != null ? method : s.method();
        o.method.prompts = s.prompts();
        o.method.readFromFile = Map.of("gates", s.gates(), "temperature", s.temperature());
        o.classes = s.classes();
        return o.config();
    }
}
