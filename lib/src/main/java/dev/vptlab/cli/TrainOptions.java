package dev.vptlab.cli;

import java.util.Map;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.data.FolderTask;
import dev.vptlab.data.LoadOptions;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.train.Progress;
import dev.vptlab.train.Recipes;
import dev.vptlab.train.RunConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options shared by {@code train}, {@code sweep} and {@code bench}-like commands: a recipe as the
 * base, every field overridable.
 */
final class TrainOptions {
    @Option(names = "--recipe", defaultValue = "gated", description = "Base recipe: gated (SGD, Table 5) or cvpt (AdamW, configs);"
            + " for the segmentation tasks (ade20k, fm-seg) also vpt-deep, vpt-shallow, head-only. Default ${DEFAULT-VALUE}.")
    String recipe;

    @Option(names = "--task", required = true, description = "Task key (e.g. dtd, cub, or synthetic), or a task folder:"
            + " VTAB-style file lists (train800val200.txt/val200.txt/test.txt or train.txt/val.txt/test.txt) or"
            + " train/<class>/*, val/…, test/….")
    String task;

    @Option(names = "--backbone", required = true, description = "Backbone checkpoint file.")
    Path backbone;

    @Option(names = "--backbone-kind", description = "mae or mocov3 (selects the gated recipe row and pooling); default from the checkpoint.")
    String backboneKind;

    @Option(names = "--heads", description = "Head count when the checkpoint does not say.")
    Integer heads;

    @Option(names = "--data-root", defaultValue = "data", description = "Folder holding the prepared datasets (default ${DEFAULT-VALUE}).")
    Path dataRoot;

    @picocli.CommandLine.Mixin
    MethodOptions method = new MethodOptions();

    @Option(names = "--pooling", description = "${COMPLETION-CANDIDATES} (default: per backbone).")
    Pooling pooling;

    @Option(names = "--classes", description = "Number of classes (default: the task's).")
    Integer classes;

    @Option(names = "--epochs", description = "Epochs (default: the recipe's, 100).")
    Integer epochs;

    @Option(names = "--warmup-epochs", description = "Warm-up epochs (default 10, capped below --epochs).")
    Integer warmupEpochs;

    @Option(names = "--batch-size", description = "Batch size (default: the recipe's).")
    Integer batchSize;

    @Option(names = "--lr", description = "Base learning rate (default: the recipe's).")
    Double lr;

    @Option(names = "--weight-decay", description = "Weight decay (default: the recipe's).")
    Double weightDecay;

    @Option(names = "--seed", description = "Random seed (default: the recipe's).")
    Long seed;

    @Option(names = "--val-every", description = "Evaluate val every n epochs (0 = never).")
    Integer valEvery;

    @Option(names = "--test-every", description = "Evaluate test every n epochs (0 = never); the last epoch is always tested.")
    Integer testEvery;

    @Option(names = "--train-limit", description = "Train on the first N training images only (smoke runs; default all).")
    Integer trainLimit;

    @Option(names = "--test-limit", description = "Evaluate on the first N val/test images only (smoke runs; default all).")
    Integer testLimit;

    @Option(names = "--iterations", description = "Segmentation: optimiser steps (ade20k: 160000 as mmseg's schedule_160k; fm-seg: 400).")
    Long iterations;

    @Option(names = "--eval-every", description = "Segmentation: evaluate and checkpoint every n iterations (ade20k: 16000;"
            + " fm-seg: at the end).")
    Long evalEvery;

    @Option(names = "--head-lr-mult", description = "Segmentation: learning-rate factor of the heads (mmseg's ADE20K config: 10).")
    Double headLrMult;

    @Option(names = "--eval-split", paramLabel = "SPLIT", description = "Segmentation: test (default: fm-seg's test, ADE20K's"
            + " validation, as the papers report) or val (fm-seg: train on train800, score val200, to choose hyper-parameters).")
    String evalSplit;

    @Option(names = "--multi-scale", description = "Segmentation: after training, also evaluate with mmseg's 6 ratios x flip.")
    boolean multiScale;

    @Option(names = "--taps", split = ",", paramLabel = "BLOCK", description = "Segmentation: the 0-based blocks the heads read,"
            + " ascending, the last one the decode head's (default: from the checkpoint's depth; ViT-B 4,8,11, ViT-L 9,14,19,23).")
    java.util.List<Integer> taps;

    @Option(names = "--no-prefix-cache", description = "Do not cache the frozen prefix (for comparisons).")
    boolean noPrefixCache;

    @Option(names = "--skip-corrupt", description = "Leave out images that fail to decode (listed in record.json and the summary) instead of stopping at open.")
    boolean skipCorrupt;

    @Option(names = "--progress", defaultValue = "BAR", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Progress.Mode progress;

    /** The small-scale recipe's method settings: gate init 1 (Table 5's smallest) for any method with gates. */
    private static final Map<String, Object> MINI_SETTINGS = Map.of("gate_init", 1f);

    /** How the task's image splits are opened. */
    LoadOptions loadOptions() {
        return LoadOptions.DEFAULT.withSkipCorrupt(skipCorrupt);
    }

    /** The run config these options describe. */
    RunConfig config() {
        if (taps != null) {
            throw new dev.vptlab.VptlabException("--taps applies to the segmentation tasks (ade20k, fm-seg) only");
        }
        if (evalSplit != null) {
            throw new dev.vptlab.VptlabException("--eval-split applies to the segmentation tasks (ade20k, fm-seg) only;"
                    + " a classification run scores val with --val-every");
        }
        // Both are worked out only where used (reading a checkpoint is slow, and a plan resolves many commands):
        // an embedded trunk passed as a file is recognised by its bytes and pooled as its manifest says.
        String[] embeddedSeen = new String[1];
        boolean[] embeddedKnown = new boolean[1];
        java.util.function.Supplier<String> embedded = () -> {
            if (!embeddedKnown[0]) {
                embeddedSeen[0] = dev.vptlab.reproduce.EmbeddedBackbones.identify(backbone);
                embeddedKnown[0] = true;
            }
            return embeddedSeen[0];
        };
        java.util.function.Supplier<String> kind = () -> backboneKind != null ? backboneKind
                : "mae".equals(embedded.get()) ? "mae" : guessKind();
        RunConfig.Builder b;
        boolean folder = FolderTask.isFolder(task);
        if (task.equals("synthetic") || task.startsWith("fm-") || folder) {
            // No paper recipe for the generated tasks or a user's folder: the method's optimizer family with our
            // small-scale defaults; a folder's classes are counted from its data.
            b = recipe.equals("cvpt") ? RunConfig.cvpt() : RunConfig.gated();
            b.task(task).numClasses(folder ? FolderTask.read(Path.of(task)).classNames().size()
                    : task.startsWith("fm-") ? dev.vptlab.mini.MiniBenchmark.task(task).classes() : 10)
                    .batchSize(task.startsWith("fm-") ? 64 : 32)
                    .method(MethodConfig.of(recipe.equals("cvpt") ? "cvpt" : "gated", 4).withSettings(MINI_SETTINGS))
                    .lr(recipe.equals("cvpt") ? 1e-3 : 0.1)
                    .pooling(kind.get().equals("mae") ? Pooling.MEAN_PROMPTS_AND_PATCHES : Pooling.CLS);
        } else if (recipe.equals("cvpt")) {
            b = Recipes.cvpt(task, false);
        } else if (recipe.equals("gated")) {
            b = Recipes.gated(task, kind.get());
        } else {
            throw new dev.vptlab.VptlabException("unknown recipe '" + recipe + "'; known: gated, cvpt");
        }
        RunConfig base = b.backbone(backbone.toString()).heads(heads).build();
        boolean mini = task.equals("synthetic") || task.startsWith("fm-") || folder;
        MethodConfig m = method.apply(base.method(), mini ? MINI_SETTINGS : Map.of());
        RunConfig.Builder o = base.toBuilder().method(m);
        if (pooling != null) {
            o.pooling(pooling);
        } else if (embedded.get() != null) {
            o.pooling(dev.vptlab.reproduce.EmbeddedBackbones.promptPooling(embedded.get()));
        }
        if (classes != null) o.numClasses(classes);
        if (epochs != null) {
            o.epochs(epochs);
            o.warmupEpochs(Math.min(base.warmupEpochs(), Math.max(0, epochs - 1)));
        }
        if (warmupEpochs != null) o.warmupEpochs(warmupEpochs);
        if (batchSize != null) o.batchSize(batchSize);
        if (lr != null) o.lr(lr);
        if (weightDecay != null) o.weightDecay(weightDecay);
        if (seed != null) o.seed(seed);
        if (valEvery != null) o.valEvery(valEvery);
        if (testEvery != null) o.testEvery(testEvery);
        if (noPrefixCache) o.prefixCache(false);
        if (trainLimit != null) o.trainLimit(trainLimit);
        if (testLimit != null) o.testLimit(testLimit);
        return o.build();
    }

    /** True when {@code --task} names a segmentation task. */
    boolean segmentation() {
        return dev.vptlab.seg.SegTasks.isSegmentation(task);
    }

    /** Iterations of a mini segmentation run unless {@code --iterations} says otherwise. */
    static final long MINI_SEG_ITERATIONS = 400;

    /** The segmentation run these options describe: the task's recipe, every given option over it. */
    dev.vptlab.seg.SegConfig segConfig() {
        for (Object[] o : new Object[][] {{"--pooling", pooling}, {"--epochs", epochs}, {"--warmup-epochs", warmupEpochs},
                {"--val-every", valEvery}, {"--test-every", testEvery}, {"--weight-decay", weightDecay}, {"--classes", classes}}) {
            if (o[1] != null) {
                throw new dev.vptlab.VptlabException(o[0] + " does not apply to the segmentation task " + task
                        + " (iteration-based: --iterations, --eval-every)");
            }
        }
        dev.vptlab.seg.SegConfig base = task.equals("ade20k")
                ? dev.vptlab.seg.SegRecipes.ade20k(recipe, backbone.toString(), dataRoot.toString())
                : dev.vptlab.seg.SegRecipes.mini(recipe, backbone.toString(), MINI_SEG_ITERATIONS);
        MethodConfig m = base.method() == null ? null : method.apply(base.method(), Map.of());
        return base.with(b -> {
            b.method = m;
            b.heads = heads;
            if (iterations != null) {
                // A recipe that evaluates once at the end (the mini one) still does; otherwise keep its interval.
                b.evalEvery = b.evalEvery == b.iterations ? iterations : Math.min(b.evalEvery, iterations);
                b.iterations = iterations;
            }
            if (evalEvery != null) b.evalEvery = evalEvery;
            if (batchSize != null) b.batchSize = batchSize;
            if (lr != null) b.lr = lr;
            if (headLrMult != null) b.headLrMult = headLrMult;
            if (seed != null) b.seed = seed;
            if (taps != null) b.taps = taps.stream().mapToInt(Integer::intValue).toArray();
            if (trainLimit != null) b.trainLimit = trainLimit;
            if (testLimit != null) b.testLimit = testLimit;
            if (evalSplit != null) b.evalSplit = evalSplit;
            b.multiScale = multiScale;
        });
    }

    /** mae when the checkpoint is an MAE file, mocov3 otherwise. */
    private String guessKind() {
        try {
            return Checkpoint.read(backbone).source() == dev.vptlab.checkpoint.CheckpointSource.MAE ? "mae" : "mocov3";
        } catch (RuntimeException e) {
            return "mocov3";
        }
    }
}
